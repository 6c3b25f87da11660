-- +goose Up
-- received_duplicates (issue 13): the persons of this store that a person received by handover may
-- duplicate, found when the handover was accepted (the intake's look-up: document blind index, or a
-- similar name of the same nationality and a close age). The receiving agency sees them on the
-- batch, with links to the cases it may see (cases.ReceivedDuplicates).
CREATE TABLE received_duplicates (
    case_id   uuid NOT NULL REFERENCES cases (id),
    person_id uuid NOT NULL REFERENCES persons (id),
    reason    text NOT NULL CHECK (reason IN ('document', 'name')),
    found_at  timestamptz NOT NULL,
    PRIMARY KEY (case_id, person_id)
);

-- +goose Down
DROP TABLE received_duplicates;
