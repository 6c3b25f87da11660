-- +goose Up
-- The duplicate check's look-up tables, so that a file of 2,000 rows is checked against a store of a
-- million persons in seconds, whatever the names (cases.storeCandidates):
--
-- person_names: each distinct name of the store (a person's full name, search_name, or one alias,
--   lower-cased) by nationality. The trigram look-up (pg_trgm %, <%) runs on it, not on persons:
--   a million persons share far fewer names, and the look-up returns each similar name once, not
--   once per person who bears it.
-- person_name_keys: every name of every person with the person's birth-year key
--   (person_birth_key: the birth date's year, else the year of intake less the age estimate, else 0
--   for neither), and what the exact age rule and merges need (birth date, age estimate, intake
--   time, merged_into). A similar name found above is joined here by btree on (nationality, alias,
--   name, birth_key): only the persons of about the same age come back, from the index alone,
--   without reading persons.
--
-- Both are kept by the triggers below in the transaction of the change (insert: one statement per
-- statement, set-based; a change of name, aliases, nationality, age or merge: per row), like an index.
-- A name no one bears any longer stays in person_names; it finds no key and costs nothing.

-- +goose StatementBegin
CREATE FUNCTION person_birth_key(birth date, age integer, created timestamptz) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(extract(year FROM birth)::integer,
                    extract(year FROM (created AT TIME ZONE 'UTC'))::integer - age, 0);
-- +goose StatementEnd

CREATE TABLE person_names (
    nationality text    NOT NULL,
    alias       boolean NOT NULL,
    name        text    NOT NULL,
    -- name first: a key led by nationality would tempt the planner away from the trigram index
    PRIMARY KEY (name, alias, nationality)
);
CREATE INDEX person_names_trgm ON person_names USING gin (name gin_trgm_ops) WITH (fastupdate = off);

CREATE TABLE person_name_keys (
    nationality  text        NOT NULL,
    alias        boolean     NOT NULL,
    name         text        NOT NULL,
    birth_key    integer     NOT NULL,
    person_id    uuid        NOT NULL,
    merged_into  uuid,
    birth_date   date,
    age_estimate integer,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (nationality, alias, name, birth_key, person_id)
        INCLUDE (merged_into, birth_date, age_estimate, created_at)
);
CREATE INDEX person_name_keys_person ON person_name_keys (person_id);

-- +goose StatementBegin
CREATE FUNCTION person_name_keys_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_name_keys (nationality, alias, name, birth_key, person_id, merged_into, birth_date, age_estimate, created_at)
    SELECT n.nationality, false, n.search_name, person_birth_key(n.birth_date, n.age_estimate, n.created_at), n.id,
       n.merged_into, n.birth_date, n.age_estimate, n.created_at
    FROM new_persons n
    UNION
    SELECT n.nationality, true, lower(a), person_birth_key(n.birth_date, n.age_estimate, n.created_at), n.id,
       n.merged_into, n.birth_date, n.age_estimate, n.created_at
    FROM new_persons n, unnest(n.aliases) a WHERE btrim(a) <> ''
    ON CONFLICT DO NOTHING;
    INSERT INTO person_names (nationality, alias, name)
    SELECT nationality, false, search_name FROM new_persons
    UNION
    SELECT n.nationality, true, lower(a) FROM new_persons n, unnest(n.aliases) a WHERE btrim(a) <> ''
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION person_name_keys_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM person_name_keys WHERE person_id = OLD.id;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO person_name_keys (nationality, alias, name, birth_key, person_id, merged_into, birth_date, age_estimate, created_at)
        SELECT NEW.nationality, false, NEW.search_name, person_birth_key(NEW.birth_date, NEW.age_estimate, NEW.created_at), NEW.id,
       NEW.merged_into, NEW.birth_date, NEW.age_estimate, NEW.created_at
        UNION
        SELECT NEW.nationality, true, lower(a), person_birth_key(NEW.birth_date, NEW.age_estimate, NEW.created_at), NEW.id,
       NEW.merged_into, NEW.birth_date, NEW.age_estimate, NEW.created_at
        FROM unnest(NEW.aliases) a WHERE btrim(a) <> ''
        ON CONFLICT DO NOTHING;
        INSERT INTO person_names (nationality, alias, name)
        SELECT NEW.nationality, false, NEW.search_name
        UNION
        SELECT NEW.nationality, true, lower(a) FROM unnest(NEW.aliases) a WHERE btrim(a) <> ''
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER person_name_keys_insert AFTER INSERT ON persons
    REFERENCING NEW TABLE AS new_persons FOR EACH STATEMENT EXECUTE FUNCTION person_name_keys_insert();
CREATE TRIGGER person_name_keys_update AFTER UPDATE ON persons FOR EACH ROW
    WHEN (OLD.search_name IS DISTINCT FROM NEW.search_name OR OLD.aliases IS DISTINCT FROM NEW.aliases
          OR OLD.nationality IS DISTINCT FROM NEW.nationality OR OLD.birth_date IS DISTINCT FROM NEW.birth_date
          OR OLD.age_estimate IS DISTINCT FROM NEW.age_estimate OR OLD.created_at IS DISTINCT FROM NEW.created_at
          OR OLD.merged_into IS DISTINCT FROM NEW.merged_into)
    EXECUTE FUNCTION person_name_keys_change();
CREATE TRIGGER person_name_keys_delete AFTER DELETE ON persons FOR EACH ROW
    EXECUTE FUNCTION person_name_keys_change();

-- person_name_keys_fill adds the keys and names of every person that has none: the back-fill
-- below, and a bulk fill that wrote persons with the triggers off (seedscale).
-- +goose StatementBegin
CREATE FUNCTION person_name_keys_fill() RETURNS void LANGUAGE sql AS $$
INSERT INTO person_name_keys (nationality, alias, name, birth_key, person_id, merged_into, birth_date, age_estimate, created_at)
SELECT nationality, false, search_name, person_birth_key(birth_date, age_estimate, created_at), id,
       merged_into, birth_date, age_estimate, created_at FROM persons
UNION ALL
SELECT p.nationality, true, lower(a), person_birth_key(p.birth_date, p.age_estimate, p.created_at), p.id,
       p.merged_into, p.birth_date, p.age_estimate, p.created_at
FROM persons p, unnest(p.aliases) a WHERE btrim(a) <> ''
ON CONFLICT DO NOTHING;
INSERT INTO person_names (nationality, alias, name)
SELECT DISTINCT nationality, alias, name FROM person_name_keys
ON CONFLICT DO NOTHING;
$$;
-- +goose StatementEnd

SELECT person_name_keys_fill();

-- +goose Down
DROP TRIGGER person_name_keys_delete ON persons;
DROP TRIGGER person_name_keys_update ON persons;
DROP TRIGGER person_name_keys_insert ON persons;
DROP FUNCTION person_name_keys_fill();
DROP FUNCTION person_name_keys_change();
DROP FUNCTION person_name_keys_insert();
DROP TABLE person_name_keys;
DROP TABLE person_names;
DROP FUNCTION person_birth_key(date, integer, timestamptz);
