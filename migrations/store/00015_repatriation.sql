-- +goose Up
-- repatriations is the return-preparation section of a case (DOMAIN.md "return preparation"), one row
-- per case: nationality verification, travel document, family tracing and risk assessment, route,
-- escort and planned date. Sealed with the store's keyset (row = case id): the travel document
-- number ("repatriations.travel_document_number"), the family location
-- ("repatriations.family_location"), the flight details ("repatriations.flight_details") and the
-- embassy's last note ("repatriations.embassy_note"). opened_on is the day the section was first
-- recorded: the start of the steps' default deadlines (docs/repatriation.md).
CREATE TABLE repatriations (
    case_id                      uuid PRIMARY KEY REFERENCES cases (id),
    opened_on                    date NOT NULL,
    nationality_status           text NOT NULL DEFAULT ''
                                 CHECK (nationality_status IN ('', 'requested', 'verified', 'not_verified')),
    nationality_requested_on     date,
    nationality_decided_on       date,
    travel_document_type         text NOT NULL DEFAULT ''
                                 CHECK (travel_document_type IN ('', 'passport', 'emergency_travel_document',
                                        'certificate_of_identity', 'laissez_passer', 'border_pass', 'other')),
    travel_document_status       text NOT NULL DEFAULT 'none'
                                 CHECK (travel_document_status IN ('none', 'requested', 'issued', 'refused')),
    travel_document_number_enc   bytea,
    travel_document_requested_on date,
    travel_document_issued_on    date,
    travel_document_valid_until  date,
    family_tracing_status        text NOT NULL DEFAULT 'not_started'
                                 CHECK (family_tracing_status IN ('not_started', 'in_progress', 'completed', 'not_possible')),
    risk_level                   text NOT NULL DEFAULT '' CHECK (risk_level IN ('', 'low', 'medium', 'high')),
    risk_assessed_by             text NOT NULL DEFAULT '',
    risk_assessed_on             date,
    family_location_enc          bytea,
    route                        text NOT NULL DEFAULT ''
                                 CHECK (route IN ('', 'poipet_aranyaprathet', 'cham_yeam_hat_lek', 'osmach_chong_chom', 'flight')),
    flight_details_enc           bytea,
    escort_name                  text NOT NULL DEFAULT '',
    escort_agency                text NOT NULL DEFAULT '',
    planned_date                 date,
    -- The last reply of the embassy applied to this section: the request it answers, when, and whether the
    -- embassy accepted or declined the request.
    embassy_packet_id            uuid,
    embassy_replied_at           timestamptz,
    embassy_decision             text NOT NULL DEFAULT '' CHECK (embassy_decision IN ('', 'accepted', 'declined')),
    embassy_note_enc             bytea,
    updated_by                   uuid,
    updated_at                   timestamptz NOT NULL,
    version                      integer NOT NULL DEFAULT 1,
    CHECK (travel_document_valid_until IS NULL OR travel_document_issued_on IS NULL
           OR travel_document_valid_until >= travel_document_issued_on)
);

-- repatriation_steps holds each step's deadline, written with the section in the same transaction:
-- due_on is the per-case deadline when overridden, else opened (or requested) + the step's default.
-- done marks a step that needs nothing more; active mirrors whether the case is still in recovery or
-- return preparation, and owner_agency_id the case's owner (both kept by the trigger below whatever
-- moves the case), so that the steps of cases that moved on leave the index. Overdue reads an
-- agency's open, active steps past due_on through the partial index (index-only, in deadline order),
-- plus those of the cases whose team the agency is on, so its cost follows the rows it lists.
CREATE TABLE repatriation_steps (
    case_id         uuid NOT NULL REFERENCES repatriations (case_id),
    step            text NOT NULL CHECK (step IN ('nationality', 'travel_document', 'family_tracing', 'route',
                                                  'escort', 'planned_date')),
    due_on          date NOT NULL,
    overridden      boolean NOT NULL DEFAULT false,
    done            boolean NOT NULL DEFAULT false,
    active          boolean NOT NULL DEFAULT true,
    owner_agency_id uuid,
    PRIMARY KEY (case_id, step)
);
CREATE INDEX repatriation_steps_open_due_idx ON repatriation_steps (owner_agency_id, due_on, case_id, step)
    WHERE NOT done AND active;

-- +goose StatementBegin
CREATE FUNCTION repatriation_steps_follow_stage() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE repatriation_steps SET active = (NEW.stage IN ('recovery', 'return_preparation')),
        owner_agency_id = NEW.owner_agency_id
    WHERE case_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER cases_stage_repatriation_steps AFTER UPDATE OF stage, owner_agency_id ON cases
    FOR EACH ROW WHEN (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.owner_agency_id IS DISTINCT FROM NEW.owner_agency_id)
    EXECUTE FUNCTION repatriation_steps_follow_stage();

-- +goose Down
DROP TRIGGER cases_stage_repatriation_steps ON cases;
DROP FUNCTION repatriation_steps_follow_stage();
DROP TABLE repatriation_steps, repatriations;
