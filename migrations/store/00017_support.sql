-- +goose Up
-- services are the help a person gets (DOMAIN.md "recovery"): the kind, the status, who provides it
-- (the owner agency, another agency of this store, or an NGO), dates and the outcome (sealed with the
-- store's keyset, field "services.outcome", row = service id). A service given by an NGO through a
-- referral carries the referral packet's id; the NGO's replies update the row (exchange Applier).
CREATE TABLE services (
    id                 uuid PRIMARY KEY,
    case_id            uuid NOT NULL REFERENCES cases (id),
    kind               text NOT NULL CHECK (kind IN ('shelter', 'medical', 'psychosocial', 'legal_aid',
                                                     'interpretation', 'family_contact', 'vocational_training',
                                                     'financial_help', 'education')),
    status             text NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed', 'stopped')),
    provider_kind      text NOT NULL CHECK (provider_kind IN ('own', 'agency', 'ngo')),
    provider_agency_id uuid,
    start_date         date,
    end_date           date,
    outcome_enc        bytea,
    referral_packet_id uuid UNIQUE,
    referral_enc       bytea, -- sealed JSON of what the referral asked (needs, contact, urgency), for renewals
    referral_status    text NOT NULL DEFAULT '' CHECK (referral_status IN ('', 'pending_approval', 'sent',
                                 'accepted', 'declined', 'in_progress', 'completed', 'revoked', 'expired')),
    created_by         uuid NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            integer NOT NULL DEFAULT 1,
    CHECK ((provider_kind = 'own') = (provider_agency_id IS NULL)),
    CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);
CREATE INDEX services_case_idx ON services (case_id, created_at);

-- reintegration_plans are one plan per case: the plan's summary and the next visit's date.
CREATE TABLE reintegration_plans (
    case_id    uuid PRIMARY KEY REFERENCES cases (id),
    summary    text NOT NULL DEFAULT '',
    updated_by uuid NOT NULL,
    updated_at timestamptz NOT NULL,
    version    integer NOT NULL DEFAULT 1
);

-- reintegration_goals are the goals of a case's plan, each with its status.
CREATE TABLE reintegration_goals (
    id         uuid PRIMARY KEY,
    case_id    uuid NOT NULL REFERENCES cases (id),
    goal       text NOT NULL CHECK (goal <> ''),
    status     text NOT NULL CHECK (status IN ('open', 'in_progress', 'achieved', 'dropped')),
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version    integer NOT NULL DEFAULT 1
);
CREATE INDEX reintegration_goals_case_idx ON reintegration_goals (case_id, created_at);

-- follow_up_visits are scheduled, then done (with outcome and re-trafficking risk) or missed. The
-- location is a kind only; any address is sealed (field "follow_up_visits.address", row = visit id),
-- and so is the outcome ("follow_up_visits.outcome").
CREATE TABLE follow_up_visits (
    id            uuid PRIMARY KEY,
    case_id       uuid NOT NULL REFERENCES cases (id),
    status        text NOT NULL CHECK (status IN ('scheduled', 'done', 'missed')),
    visit_date    date NOT NULL,
    location_kind text NOT NULL CHECK (location_kind IN ('home', 'relative', 'shelter', 'workplace', 'other')),
    address_enc   bytea,
    risk_level    text CHECK (risk_level IN ('low', 'medium', 'high')),
    outcome_enc   bytea,
    created_by    uuid NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    version       integer NOT NULL DEFAULT 1,
    CHECK ((status = 'done') = (risk_level IS NOT NULL))
);
CREATE INDEX follow_up_visits_case_idx ON follow_up_visits (case_id, visit_date);
CREATE INDEX follow_up_visits_due_idx ON follow_up_visits (visit_date) WHERE status = 'scheduled';

-- closure_requests: a caseworker asks to close a case with a reason of DOMAIN.md; a supervisor who is
-- not the requester approves (the case moves to closed) or returns it. One request waits per case.
CREATE TABLE closure_requests (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (id),
    reason       text NOT NULL CHECK (reason IN ('reintegrated', 'lost_contact', 'declined_help', 'moved_abroad',
                                                 'deceased', 'transferred')),
    note         text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'returned')),
    requested_by uuid NOT NULL,
    requested_at timestamptz NOT NULL,
    decided_by   uuid,
    decided_at   timestamptz,
    comment      text NOT NULL DEFAULT '',
    version      integer NOT NULL DEFAULT 1,
    CHECK ((status = 'requested') = (decided_at IS NULL)),
    CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE INDEX closure_requests_case_idx ON closure_requests (case_id, requested_at);
CREATE UNIQUE INDEX closure_requests_one_pending ON closure_requests (case_id) WHERE status = 'requested';

-- The caseworker dashboard: returned decisions, cases by assignee and stage.
CREATE INDEX identification_decisions_returned_idx ON identification_decisions (case_id) WHERE status = 'returned';
CREATE INDEX cases_owner_stage_idx ON cases (owner_agency_id, stage);
CREATE INDEX cases_stage_updated_idx ON cases (stage, updated_at, id);

-- +goose Down
DROP INDEX cases_stage_updated_idx, cases_owner_stage_idx, identification_decisions_returned_idx;
DROP TABLE closure_requests, follow_up_visits, reintegration_goals, reintegration_plans, services;
