-- +goose Up
-- Weekly online-scam complaint statistics imported from the police's figures: aggregates only, one row
-- per ISO week (its Monday), province and channel; no complainant data. A new import of the same key
-- replaces the row.
CREATE TABLE complaint_stats (
    week        date NOT NULL CHECK (extract(isodow FROM week) = 1),
    province    text NOT NULL CHECK (province <> ''),
    channel     text NOT NULL CHECK (channel <> ''),
    complaints  integer NOT NULL CHECK (complaints >= 0),
    losses      numeric(16, 2) NOT NULL CHECK (losses >= 0),
    imported_by uuid,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (week, province, channel)
);

-- complaint_imports is the history of imports: who imported which file, how many rows, when.
CREATE TABLE complaint_imports (
    id          uuid PRIMARY KEY,
    filename    text NOT NULL DEFAULT '',
    rows        integer NOT NULL CHECK (rows >= 0),
    imported_by uuid,
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaint_imports_at_idx ON complaint_imports (imported_at DESC);

-- +goose Down
DROP TABLE complaint_imports;
DROP TABLE complaint_stats;
