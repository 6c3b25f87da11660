-- +goose Up
-- Answers to possible matches (issue 15): a side's supervisor answers "not the same" on their list,
-- or, as the recipient of a linkage_ask question, "same person" or "not the same" in the reply. The
-- reply's answer is recorded on the recipient's own candidate, with the question it answered
-- (answer_packet): a second answer to the same question is refused. packet_id, on the asking side's
-- candidate, is the question it sent (set when the hub receives it).
ALTER TABLE linkage_candidates DROP CONSTRAINT linkage_candidates_answer_check;
ALTER TABLE linkage_candidates ADD CONSTRAINT linkage_candidates_answer_check CHECK (answer IN ('not_same', 'same'));
ALTER TABLE linkage_candidates ADD COLUMN answer_packet uuid;
CREATE INDEX linkage_candidates_packet_idx ON linkage_candidates (packet_id) WHERE packet_id IS NOT NULL;

-- +goose Down
DROP INDEX linkage_candidates_packet_idx;
ALTER TABLE linkage_candidates DROP COLUMN answer_packet;
DELETE FROM linkage_candidates WHERE answer = 'same';
ALTER TABLE linkage_candidates DROP CONSTRAINT linkage_candidates_answer_check;
ALTER TABLE linkage_candidates ADD CONSTRAINT linkage_candidates_answer_check CHECK (answer IN ('not_same'));
