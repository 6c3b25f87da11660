-- +goose Up
-- Free text that can identify a person moves to sealed columns (the store's keyset, AAD
-- country|field|row; see internal/sealed):
--   attachments.filename               -> filename_enc     (field "attachments.filename", row = id)
--   screening_events.place             -> place_enc        (field "screening_events.place", row = id)
--   identification_decisions.legal_basis -> legal_basis_enc (field "identification_decisions.legal_basis", row = id)
--   identification_decisions.comment   -> comment_enc      (field "identification_decisions.comment", row = id)
--   person_merges.reason               -> reason_enc       (field "person_merges.reason", row = id)
--   received_handovers.legal_basis     -> legal_basis_enc  (field "received_handovers.legal_basis", row = case_id)
-- SQL holds no keys, so this migration only adds the columns. The code writes the sealed column
-- and '' in the clear one, and reads the sealed column, else the clear one. At start the app seals
-- the clear values left by earlier versions and blanks them (sealed.Legacy, in batches, audited).
-- The clear columns stay (blank) because other code and fixtures name them in INSERTs; nothing
-- reads them for reports (00013 reads decision, status and the dates only).
ALTER TABLE attachments
    ADD COLUMN filename_enc bytea,
    ALTER COLUMN filename SET DEFAULT '',
    DROP CONSTRAINT attachments_filename_check,
    ADD CONSTRAINT attachments_filename_present CHECK (filename <> '' OR filename_enc IS NOT NULL);
ALTER TABLE screening_events ADD COLUMN place_enc bytea;
ALTER TABLE identification_decisions
    ADD COLUMN legal_basis_enc bytea,
    ADD COLUMN comment_enc bytea;
ALTER TABLE person_merges
    ADD COLUMN reason_enc bytea,
    ALTER COLUMN reason SET DEFAULT '',
    DROP CONSTRAINT person_merges_reason_check,
    ADD CONSTRAINT person_merges_reason_present CHECK (reason <> '' OR reason_enc IS NOT NULL);
ALTER TABLE received_handovers ADD COLUMN legal_basis_enc bytea;

-- The rows still holding clear text, found at every start without a scan (empty once sealed).
CREATE INDEX attachments_clear_idx ON attachments (id) WHERE filename <> '';
CREATE INDEX screening_events_clear_idx ON screening_events (id) WHERE place <> '';
CREATE INDEX identification_decisions_clear_idx ON identification_decisions (id) WHERE legal_basis <> '' OR comment <> '';
CREATE INDEX person_merges_clear_idx ON person_merges (id) WHERE reason <> '';
CREATE INDEX received_handovers_clear_idx ON received_handovers (case_id) WHERE legal_basis <> '';

-- +goose Down
-- The sealed values cannot be turned back into clear text in SQL: they are lost. Only for a
-- disposable database.
DROP INDEX attachments_clear_idx, screening_events_clear_idx, identification_decisions_clear_idx,
    person_merges_clear_idx, received_handovers_clear_idx;
ALTER TABLE received_handovers DROP COLUMN legal_basis_enc;
ALTER TABLE person_merges
    DROP CONSTRAINT person_merges_reason_present,
    DROP COLUMN reason_enc,
    ALTER COLUMN reason DROP DEFAULT,
    ADD CONSTRAINT person_merges_reason_check CHECK (reason <> '') NOT VALID;
ALTER TABLE identification_decisions DROP COLUMN legal_basis_enc, DROP COLUMN comment_enc;
ALTER TABLE screening_events DROP COLUMN place_enc;
ALTER TABLE attachments
    DROP CONSTRAINT attachments_filename_present,
    DROP COLUMN filename_enc,
    ALTER COLUMN filename DROP DEFAULT,
    ADD CONSTRAINT attachments_filename_check CHECK (filename <> '') NOT VALID;
