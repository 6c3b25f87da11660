-- +goose Up
-- The name search's ordered index (issue 12 item 2, cases.ListQuery with q): "the newest cases in
-- scope whose person's name or aliases contain the text" read in order, without walking cases
-- newest first testing each person nor materialising every person who bears a common name.
--
-- search_texts: each distinct search text of the store (a person's search_name, or search_aliases
--   when not empty), keyed by md5(text)::uuid (a btree key of any length). A store holds far fewer
--   distinct names than persons; the trigram look-up of the LIKE pattern runs here. A text no one
--   bears any longer stays; it finds no case and costs nothing.
-- case_search: one row per case and search text of its person, with the case's updated_at and owner,
--   so that (key, updated_at DESC, id DESC) reads each text's newest cases in scope first, index only.
--
-- Both are kept by the triggers below in the transaction of the change, like an index: a case
-- inserted, touched (updated_at), handed to another owner or moved to another person (merge); a
-- person renamed or given other aliases.
CREATE TABLE search_texts (
    key  uuid NOT NULL,
    text text NOT NULL
);

CREATE TABLE case_search (
    key             uuid        NOT NULL,
    id              uuid        NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    updated_at      timestamptz NOT NULL,
    owner_agency_id uuid        NOT NULL
);

-- +goose StatementBegin
CREATE FUNCTION search_text_key(t text) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN md5(t)::uuid;
-- +goose StatementEnd

-- case_search_put writes the rows of the cases given (and their texts), from cases and persons.
-- +goose StatementBegin
CREATE FUNCTION case_search_put(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO search_texts (key, text)
    SELECT DISTINCT search_text_key(t), t
    FROM cases c JOIN persons p ON p.id = c.person_id, unnest(ARRAY[p.search_name, p.search_aliases]) t
    WHERE c.id = ANY (ids) AND t <> ''
    ON CONFLICT DO NOTHING;
    INSERT INTO case_search (key, id, updated_at, owner_agency_id)
    SELECT DISTINCT search_text_key(t), c.id, c.updated_at, c.owner_agency_id
    FROM cases c JOIN persons p ON p.id = c.person_id, unnest(ARRAY[p.search_name, p.search_aliases]) t
    WHERE c.id = ANY (ids) AND t <> ''
    ON CONFLICT DO NOTHING;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION case_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM case_search_put(ARRAY(SELECT id FROM new_cases));
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION case_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.person_id IS DISTINCT FROM NEW.person_id THEN
        DELETE FROM case_search WHERE id = NEW.id;
        PERFORM case_search_put(ARRAY[NEW.id]);
    ELSE
        UPDATE case_search SET updated_at = NEW.updated_at, owner_agency_id = NEW.owner_agency_id WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION case_search_person() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[] := ARRAY(SELECT id FROM cases WHERE person_id = NEW.id);
BEGIN
    DELETE FROM case_search WHERE id = ANY (ids);
    PERFORM case_search_put(ids);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER case_search_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_cases FOR EACH STATEMENT EXECUTE FUNCTION case_search_insert();
CREATE TRIGGER case_search_update AFTER UPDATE ON cases FOR EACH ROW
    WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at OR OLD.owner_agency_id IS DISTINCT FROM NEW.owner_agency_id
          OR OLD.person_id IS DISTINCT FROM NEW.person_id)
    EXECUTE FUNCTION case_search_update();
CREATE TRIGGER case_search_person AFTER UPDATE ON persons FOR EACH ROW
    WHEN (OLD.search_name IS DISTINCT FROM NEW.search_name OR OLD.search_aliases IS DISTINCT FROM NEW.search_aliases)
    EXECUTE FUNCTION case_search_person();

-- case_search_fill writes the rows of every case that has none (this migration, and fills that
-- write with the triggers off: seed-scale).
-- +goose StatementBegin
CREATE FUNCTION case_search_fill() RETURNS void LANGUAGE sql AS $$
    INSERT INTO search_texts (key, text)
    SELECT DISTINCT search_text_key(t), t
    FROM persons p, unnest(ARRAY[p.search_name, p.search_aliases]) t
    WHERE t <> '' AND EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id)
    ON CONFLICT DO NOTHING;
    INSERT INTO case_search (key, id, updated_at, owner_agency_id)
    SELECT DISTINCT search_text_key(t), c.id, c.updated_at, c.owner_agency_id
    FROM cases c JOIN persons p ON p.id = c.person_id, unnest(ARRAY[p.search_name, p.search_aliases]) t
    WHERE t <> '' AND NOT EXISTS (SELECT 1 FROM case_search s WHERE s.id = c.id)
    ON CONFLICT DO NOTHING;
$$;
-- +goose StatementEnd

-- The cases already stored, written before the keys and indexes (a store of a million cases: one
-- sorted build each instead of a million random inserts).
SET LOCAL maintenance_work_mem = '128MB';
INSERT INTO search_texts (key, text)
SELECT DISTINCT search_text_key(t), t
FROM persons p, unnest(ARRAY[p.search_name, p.search_aliases]) t
WHERE t <> '' AND EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id);
INSERT INTO case_search (key, id, updated_at, owner_agency_id)
SELECT DISTINCT search_text_key(t), c.id, c.updated_at, c.owner_agency_id
FROM cases c JOIN persons p ON p.id = c.person_id, unnest(ARRAY[p.search_name, p.search_aliases]) t
WHERE t <> '';
ALTER TABLE search_texts ADD PRIMARY KEY (key);
CREATE INDEX search_texts_trgm ON search_texts USING gin (text gin_trgm_ops) WITH (fastupdate = off);
ALTER TABLE case_search ADD PRIMARY KEY (id, key);
CREATE INDEX case_search_newest ON case_search (key, updated_at DESC, id DESC) INCLUDE (owner_agency_id);

-- +goose Down
DROP TRIGGER case_search_person ON persons;
DROP TRIGGER case_search_update ON cases;
DROP TRIGGER case_search_insert ON cases;
DROP FUNCTION case_search_fill(), case_search_person(), case_search_update(), case_search_insert(),
    case_search_put(uuid[]), search_text_key(text);
DROP TABLE case_search, search_texts;
