-- +goose Up
-- case_packets records which case of this store a packet belongs to: 'out' for a packet sent from
-- the case, 'in' for a packet received for it (a reply applied by Sync, a handover accepted into a
-- new case). The packet itself lives in the hub; this store never holds another store's data.
CREATE TABLE case_packets (
    packet_id  uuid PRIMARY KEY,
    case_id    uuid NOT NULL REFERENCES cases (id),
    kind       text NOT NULL CHECK (kind IN ('repatriation', 'referral', 'handover', 'reply')),
    purpose    text NOT NULL DEFAULT '',
    direction  text NOT NULL CHECK (direction IN ('out', 'in')),
    created_at timestamptz NOT NULL
);
CREATE INDEX case_packets_case_idx ON case_packets (case_id, created_at DESC);

-- +goose Down
DROP TABLE case_packets;
