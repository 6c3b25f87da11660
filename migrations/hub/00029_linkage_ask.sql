-- +goose Up
-- linkage_ask (issue 15): a supervisor asks the other country's welfare agency whether a possible
-- match is the same person, as a packet (crossmatch.Spec).
ALTER TABLE packets DROP CONSTRAINT packets_kind_check;
ALTER TABLE packets ADD CONSTRAINT packets_kind_check
    CHECK (kind IN ('repatriation', 'referral', 'handover', 'linkage_ask', 'reply'));

-- +goose Down
ALTER TABLE packets DROP CONSTRAINT packets_kind_check;
ALTER TABLE packets ADD CONSTRAINT packets_kind_check
    CHECK (kind IN ('repatriation', 'referral', 'handover', 'reply'));
