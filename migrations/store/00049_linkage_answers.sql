-- +goose Up
-- linkage_ask (issue 15): the asking case's packets, and the other side's answers applied to them.
ALTER TABLE case_packets DROP CONSTRAINT case_packets_kind_check;
ALTER TABLE case_packets ADD CONSTRAINT case_packets_kind_check
    CHECK (kind IN ('repatriation', 'referral', 'handover', 'linkage_ask', 'reply'));

-- linkage_answers holds the other side's answer to a question sent from a case of this store: is
-- the possible match the same person? One row per question (the ask packet); a later answer to
-- the same question replaces it. Nothing about the other side's person is stored.
CREATE TABLE linkage_answers (
    packet_id   uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    same_person boolean NOT NULL,
    answered_at timestamptz NOT NULL
);
CREATE INDEX linkage_answers_case_idx ON linkage_answers (case_id);

-- +goose Down
DROP TABLE linkage_answers;
ALTER TABLE case_packets DROP CONSTRAINT case_packets_kind_check;
ALTER TABLE case_packets ADD CONSTRAINT case_packets_kind_check
    CHECK (kind IN ('repatriation', 'referral', 'handover', 'reply'));
