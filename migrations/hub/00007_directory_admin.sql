-- +goose Up
-- The directory in service (issue 10): an embassy may serve several nationalities. serves_nationality
-- stays (the first of the list) so code that reads one nationality keeps working; serves_nationalities
-- is the whole list, in the order given.
ALTER TABLE agencies ADD COLUMN serves_nationalities text[] NOT NULL DEFAULT '{}';
UPDATE agencies SET serves_nationalities = ARRAY[serves_nationality] WHERE serves_nationality IS NOT NULL;
ALTER TABLE agencies ADD CONSTRAINT agencies_serves_nationalities_check CHECK (
    array_to_string(serves_nationalities, ',', '?') ~ '^([A-Z]{2}(,[A-Z]{2})*)?$'
    AND (serves_nationality IS NULL) = (cardinality(serves_nationalities) = 0)
    AND (serves_nationality IS NULL OR serves_nationality = serves_nationalities[1])
);

-- A country admin searches the users by any part of their email or name.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_search_idx ON users USING gin ((email || ' ' || name) gin_trgm_ops);

-- +goose Down
DROP INDEX users_search_idx;
ALTER TABLE agencies DROP CONSTRAINT agencies_serves_nationalities_check, DROP COLUMN serves_nationalities;
