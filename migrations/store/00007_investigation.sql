-- +goose Up
-- legal_status is the investigation section of a case (police only, DOMAIN.md "recovery"): whether the
-- person is treated as victim, witness, suspect or charged, the warrant-check result, the
-- non-punishment decision and the willingness to testify. One row per case. The warrant note is sealed
-- with the store's keyset (field "legal_status.warrant_note", row = case id). Other roles see only that
-- a row exists and when it last changed.
CREATE TABLE legal_status (
    case_id            uuid PRIMARY KEY REFERENCES cases (id),
    status             text NOT NULL CHECK (status IN ('victim', 'witness', 'suspect', 'charged')),
    warrant_check      text NOT NULL DEFAULT 'none' CHECK (warrant_check IN ('none', 'clear', 'hit', 'pending')),
    warrant_note_enc   bytea,
    non_punishment     text NOT NULL DEFAULT 'pending'
                       CHECK (non_punishment IN ('pending', 'granted', 'refused', 'not_applicable')),
    willing_to_testify text NOT NULL DEFAULT 'undecided' CHECK (willing_to_testify IN ('yes', 'no', 'undecided')),
    updated_by         uuid NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            integer NOT NULL DEFAULT 1
);

-- +goose Down
DROP TABLE legal_status;
