-- +goose Up
-- consents is the consent ledger of a case (DOMAIN.md): one row per answer the person gave for one
-- purpose. It is append-only: a new answer for a purpose supersedes the previous one, which stays as
-- history; withdrawing is a new row with the answer 'withdrawn'. Rows are never updated in place.
CREATE TABLE consents (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    purpose     text NOT NULL CHECK (purpose IN ('services', 'share_ngo', 'share_embassy', 'cross_border_handover',
                                                 'notify_home_country', 'law_enforcement', 'statistics')),
    answer      text NOT NULL CHECK (answer IN ('given', 'refused', 'withdrawn')),
    answered_on date NOT NULL,
    method      text NOT NULL CHECK (method IN ('spoken', 'written', 'thumbprint')),
    language    text NOT NULL CHECK (language <> ''),
    interpreter text NOT NULL DEFAULT '',
    witness     text NOT NULL DEFAULT '',
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    -- supersedes is the previous answer for the same case and purpose; NULL for the first one.
    -- Both unique indexes below make the ledger a chain per purpose: two answers can never
    -- supersede the same row, so a concurrent append fails instead of forking the history.
    supersedes  uuid REFERENCES consents (id),
    CHECK (answer <> 'withdrawn' OR supersedes IS NOT NULL)
);
CREATE UNIQUE INDEX consents_supersedes_uniq ON consents (supersedes) WHERE supersedes IS NOT NULL;
CREATE UNIQUE INDEX consents_first_uniq ON consents (case_id, purpose) WHERE supersedes IS NULL;
CREATE INDEX consents_case_idx ON consents (case_id, purpose, recorded_at DESC, id DESC);

-- The ledger is append-only in the database too: no row is ever changed or removed.
-- +goose StatementBegin
CREATE FUNCTION consents_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'consents is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER consents_append_only BEFORE UPDATE OR DELETE ON consents
    FOR EACH ROW EXECUTE FUNCTION consents_append_only();

-- +goose Down
DROP TABLE consents;
DROP FUNCTION consents_append_only();
