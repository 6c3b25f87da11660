-- +goose Up
-- Every audit row carries the section its detail is about, set by the code that wrote it
-- (internal/audit: an Action is a name and a section). The case timeline shows a row only to a
-- reader of its section. Rows written before this migration keep section '': the timeline shows
-- them without detail. The section is part of a row's hash when it is not empty (a ninth
-- canonical field), so rows hashed before keep verifying and a changed section breaks the chain.
ALTER TABLE audit_log ADD COLUMN section text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit_log DROP COLUMN section;
