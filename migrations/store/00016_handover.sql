-- +goose Up
-- packet_ref: the handover packet of a case: the packet a received case was created from, or the
-- packet that handed a case over to the other country. The packet itself lives in the hub.
ALTER TABLE cases ADD COLUMN packet_ref uuid;
CREATE UNIQUE INDEX cases_packet_ref_idx ON cases (packet_ref) WHERE packet_ref IS NOT NULL;

-- handover_persons is the sending side of a handover batch: each person of the batch, the packet
-- that carries them, the documents (kinds) and belongings (sealed) handed over, and the answer of
-- the receiving agency once it came back (applied by the exchange's sync).
CREATE TABLE handover_persons (
    packet_id      uuid PRIMARY KEY,
    batch_id       uuid NOT NULL,
    position       integer NOT NULL,
    case_id        uuid NOT NULL REFERENCES cases (id),
    documents      text[] NOT NULL DEFAULT '{}',
    belongings_enc bytea,
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
    reason_enc     bytea,
    new_case_ref   text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    answered_at    timestamptz,
    UNIQUE (batch_id, position)
);
CREATE INDEX handover_persons_case_idx ON handover_persons (case_id);
CREATE UNIQUE INDEX handover_persons_one_pending ON handover_persons (case_id) WHERE status = 'pending';

-- received_handovers is the receiving side: a case created in this store from an accepted handover
-- packet, with the other country's identification decision recognised under ACTIP art. 14, and
-- what came with the person (documents and belongings sealed).
CREATE TABLE received_handovers (
    case_id          uuid PRIMARY KEY REFERENCES cases (id),
    packet_id        uuid NOT NULL UNIQUE,
    batch_id         uuid,
    sender_agency    text NOT NULL,
    sender_case_ref  text NOT NULL DEFAULT '',
    decision         text NOT NULL DEFAULT '',
    legal_basis      text NOT NULL DEFAULT '',
    decided_on       date,
    approver_agency  text NOT NULL DEFAULT '',
    recognised_under text NOT NULL DEFAULT 'ACTIP art. 14',
    checkpoint       text NOT NULL DEFAULT '',
    handover_at      timestamptz,
    documents        text[] NOT NULL DEFAULT '{}',
    belongings_enc   bytea,
    received_by      uuid NOT NULL,
    received_at      timestamptz NOT NULL
);
CREATE INDEX received_handovers_batch_idx ON received_handovers (batch_id);

-- +goose Down
DROP TABLE received_handovers, handover_persons;
DROP INDEX cases_packet_ref_idx;
ALTER TABLE cases DROP COLUMN packet_ref;
