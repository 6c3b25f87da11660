-- +goose Up
-- Notifications (issue 16 item 8): each user chooses an e-mail digest of what waits for them, off
-- (the default), daily or immediate; digest_state remembers, per user and agency, the day of the
-- last daily digest, when the last immediate one went and the counts it carried (numbers only:
-- never a name, a case or a reference), so a daily digest goes once a day and an immediate one at
-- most once per ten minutes, and only when more waits than the last one said.
ALTER TABLE users ADD COLUMN notify text NOT NULL DEFAULT 'off'
    CHECK (notify IN ('off', 'daily', 'immediate'));
CREATE INDEX users_notify_idx ON users (notify) WHERE notify <> 'off' AND disabled_at IS NULL;

CREATE TABLE digest_state (
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    agency_id         uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    last_daily        date,
    last_immediate_at timestamptz,
    last_counts       jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (user_id, agency_id)
);

-- +goose Down
DROP TABLE digest_state;
DROP INDEX users_notify_idx;
ALTER TABLE users DROP COLUMN notify;
