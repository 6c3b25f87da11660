-- +goose Up
-- Person details recorded at intake, duplicate detection and merges.
--
-- aliases: other names the person goes by, any script (NFC), searched by trigram like search_name.
-- documents_held / documents_missing: kinds of identity documents (passport, national_id,
--   birth_certificate, work_permit, driving_licence, other) the person holds or lacks.
-- documents_enc: the held documents' numbers, sealed (JSON [{kind, number}]).
-- document_bidxs: the blind indexes of every document number of the person (the primary
--   document_number and the held ones), for exact duplicate checks.
-- urgent_needs_enc: urgent needs at reception, sealed (they may be medical).
-- merged_into: set when a supervisor merged this person into another; both rows are kept.

-- +goose StatementBegin
CREATE FUNCTION person_alias_text(aliases text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(array_to_string(aliases, ' '));
-- +goose StatementEnd

ALTER TABLE persons
    ADD COLUMN aliases           text[] NOT NULL DEFAULT '{}',
    ADD COLUMN search_aliases    text GENERATED ALWAYS AS (person_alias_text(aliases)) STORED,
    ADD COLUMN documents_held    text[] NOT NULL DEFAULT '{}',
    ADD COLUMN documents_missing text[] NOT NULL DEFAULT '{}',
    ADD COLUMN documents_enc     bytea,
    ADD COLUMN document_bidxs    bytea[] NOT NULL DEFAULT '{}',
    ADD COLUMN urgent_needs_enc  bytea,
    ADD COLUMN merged_into       uuid REFERENCES persons (id),
    ADD CONSTRAINT persons_not_merged_into_self CHECK (merged_into <> id),
    ADD CONSTRAINT persons_document_kinds CHECK (
        documents_held <@ ARRAY['passport', 'national_id', 'birth_certificate', 'work_permit', 'driving_licence', 'other']
        AND documents_missing <@ ARRAY['passport', 'national_id', 'birth_certificate', 'work_permit', 'driving_licence', 'other']);

UPDATE persons SET document_bidxs = ARRAY[document_number_bidx] WHERE document_number_bidx IS NOT NULL;

CREATE INDEX persons_search_aliases_trgm ON persons USING gin (search_aliases gin_trgm_ops);
CREATE INDEX persons_document_bidxs ON persons USING gin (document_bidxs);
CREATE INDEX persons_merged_into_idx ON persons (merged_into) WHERE merged_into IS NOT NULL;

-- person_merges records every merge: the cases it moved to the kept person, who, when and why.
CREATE TABLE person_merges (
    id               uuid PRIMARY KEY,
    kept_person_id   uuid NOT NULL REFERENCES persons (id),
    merged_person_id uuid NOT NULL REFERENCES persons (id),
    case_ids         uuid[] NOT NULL DEFAULT '{}',
    actor_user_id    uuid NOT NULL,
    at               timestamptz NOT NULL,
    reason           text NOT NULL CHECK (reason <> '')
);
CREATE INDEX person_merges_kept_idx ON person_merges (kept_person_id);
CREATE INDEX person_merges_merged_idx ON person_merges (merged_person_id);

-- +goose Down
DROP TABLE person_merges;
DROP INDEX persons_merged_into_idx, persons_document_bidxs, persons_search_aliases_trgm;
ALTER TABLE persons
    DROP CONSTRAINT persons_document_kinds,
    DROP CONSTRAINT persons_not_merged_into_self,
    DROP COLUMN merged_into,
    DROP COLUMN urgent_needs_enc,
    DROP COLUMN document_bidxs,
    DROP COLUMN documents_enc,
    DROP COLUMN documents_missing,
    DROP COLUMN documents_held,
    DROP COLUMN search_aliases,
    DROP COLUMN aliases;
DROP FUNCTION person_alias_text(text[]);
