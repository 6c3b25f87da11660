-- +goose Up
-- Rescue operations gain where they took place (district, the compound's alias, optional coordinates),
-- operational notes sealed with the store's keyset (they may name informants), and who recorded them.
ALTER TABLE operations
    ADD COLUMN district   text NOT NULL DEFAULT '',
    ADD COLUMN alias      text NOT NULL DEFAULT '',
    ADD COLUMN latitude   numeric(8, 6) CHECK (latitude BETWEEN -90 AND 90),
    ADD COLUMN longitude  numeric(9, 6) CHECK (longitude BETWEEN -180 AND 180),
    ADD COLUMN notes_enc  bytea,
    ADD COLUMN created_by uuid,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT operations_name_check CHECK (name <> ''),
    ADD CONSTRAINT operations_coordinates_check CHECK ((latitude IS NULL) = (longitude IS NULL));

-- The list shows the newest operations first, with keyset pagination on (operation_date, id).
CREATE INDEX operations_date_idx ON operations (operation_date DESC, id DESC);

-- +goose Down
DROP INDEX operations_date_idx;
ALTER TABLE operations
    DROP CONSTRAINT operations_coordinates_check,
    DROP CONSTRAINT operations_name_check,
    DROP COLUMN updated_at,
    DROP COLUMN created_by,
    DROP COLUMN notes_enc,
    DROP COLUMN longitude,
    DROP COLUMN latitude,
    DROP COLUMN alias,
    DROP COLUMN district;
