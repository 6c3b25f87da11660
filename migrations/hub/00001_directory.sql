-- +goose Up
CREATE TABLE agencies (
    id                 uuid PRIMARY KEY,
    slug               text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]+$'),
    name_en            text NOT NULL,
    name_th            text NOT NULL,
    name_km            text NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('police', 'social_welfare', 'embassy', 'ngo')),
    -- country: the store the agency works in; NULL for agencies without a store (embassies, NGOs).
    country            text CHECK (country ~ '^[A-Z]{2}$'),
    -- works_in: the country where an agency without a store operates.
    works_in           text CHECK (works_in ~ '^[A-Z]{2}$'),
    -- serves_nationality: for embassies, the nationality (ISO 3166-1 alpha-2) they serve.
    serves_nationality text CHECK (serves_nationality ~ '^[A-Z]{2}$'),
    created_at         timestamptz NOT NULL DEFAULT now(),
    version            integer NOT NULL DEFAULT 1,
    CHECK ((kind IN ('police', 'social_welfare')) = (country IS NOT NULL)),
    CHECK ((kind = 'embassy') = (serves_nationality IS NOT NULL))
);

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email = lower(email)),
    name          text NOT NULL,
    password_hash text NOT NULL,
    locale        text NOT NULL DEFAULT '' CHECK (locale IN ('', 'en', 'th', 'km')),
    buddhist_era  boolean NOT NULL DEFAULT false,
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer NOT NULL DEFAULT 1
);

CREATE TABLE memberships (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    agency_id  uuid NOT NULL REFERENCES agencies (id),
    role       text NOT NULL CHECK (role IN ('caseworker', 'supervisor', 'investigator', 'country_admin',
                                             'auditor', 'analyst', 'embassy_officer', 'ngo_worker')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, agency_id, role)
);
CREATE INDEX memberships_agency_idx ON memberships (agency_id);

-- sessions is the scs postgresstore table.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id),
    agency_id    uuid NOT NULL REFERENCES agencies (id),
    token_hash   bytea NOT NULL UNIQUE,
    label        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- login_failures counts recent failed sign-ins per account ("user:EMAIL") and per address ("addr:IP").
CREATE TABLE login_failures (
    key             text PRIMARY KEY,
    failures        integer NOT NULL,
    last_failure_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE login_failures, api_tokens, sessions, memberships, users, agencies;
