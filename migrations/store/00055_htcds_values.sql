-- +goose Up
-- htcds_values: HTCDS picklist values a bulk import kept as given because Homeward has no screening
-- indicator, decision or stage meaning exactly that (internal/htcds, docs/htcds.md): the trafficking
-- status another organisation determined, "Closed Referred", methods of control such as
-- PsychologicalAbuse, types of exploitation. The de-identified HTCDS export writes them back.
CREATE TABLE htcds_values (
    case_id uuid NOT NULL REFERENCES cases (id),
    field   text NOT NULL CHECK (field IN ('vic_TraffickingStatus', 'vic_MethodOfRecruitment',
                                           'vic_MethodsOfControl', 'vic_TypeOfExploitation', 'cas_Status')),
    value   text NOT NULL CHECK (value <> '' AND length(value) <= 100),
    PRIMARY KEY (case_id, field, value)
);

-- +goose Down
DROP TABLE htcds_values;
