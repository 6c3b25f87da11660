-- +goose Up
-- Accounts in service (issue 10): enrolment links, sessions a user can list and end, expiring API tokens.

-- A user invited but not yet enrolled has no password: password_hash is '' and sign-in refuses them.
ALTER TABLE users
    ADD COLUMN password_changed_at timestamptz,
    ADD COLUMN invited_by uuid REFERENCES users (id);

-- enrolments are one-time links (/enrol/{token}): only the token's SHA-256 is stored; a link is
-- good until expires_at, once (used_at). Issuing a new link for a user voids the unused ones.
CREATE TABLE enrolments (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    token_hash bytea NOT NULL UNIQUE,
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    voided_at  timestamptz
);
CREATE INDEX enrolments_user_idx ON enrolments (user_id);

-- user_sessions are the signed-in browser sessions a user can list and end (/settings/sessions);
-- the scs session (table sessions) carries the id. A session whose row is ended is dead at once.
CREATE TABLE user_sessions (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id),
    agency_id    uuid REFERENCES agencies (id),
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    ended_at     timestamptz,
    user_agent   text NOT NULL DEFAULT '',
    addr         text NOT NULL DEFAULT ''
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id) WHERE ended_at IS NULL;

-- API tokens expire (default 30 days, at most 90); tokens made before this migration get 30 days from now.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
UPDATE api_tokens SET expires_at = greatest(created_at, now()) + interval '30 days';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;

-- Second factors (MFA). TOTP: one confirmed secret per user, sealed with the hub's keys; last_step is
-- the last time step accepted, so a code is never accepted twice. Recovery codes: ten single-use
-- codes, stored hashed. Passkeys: WebAuthn credentials as go-webauthn serialises them.
CREATE TABLE mfa_totp (
    user_id      uuid PRIMARY KEY REFERENCES users (id),
    secret_enc   bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    confirmed_at timestamptz,
    last_step    bigint NOT NULL DEFAULT 0
);
CREATE TABLE mfa_recovery_codes (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    code_hash  bytea NOT NULL,
    created_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id);
CREATE TABLE webauthn_credentials (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id),
    credential_id bytea NOT NULL UNIQUE,
    credential    jsonb NOT NULL,
    name          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz
);
CREATE INDEX webauthn_credentials_user_idx ON webauthn_credentials (user_id);

-- +goose Down
DROP TABLE webauthn_credentials, mfa_recovery_codes, mfa_totp;
ALTER TABLE api_tokens DROP COLUMN expires_at;
DROP TABLE user_sessions, enrolments;
ALTER TABLE users DROP COLUMN invited_by, DROP COLUMN password_changed_at;
