-- +goose Up
-- The API rate limit per bearer token (issue 14, "two servers"): one token bucket per token, kept
-- here so that every `serve` process behind a balancer takes from the same bucket. key is the
-- SHA-256 of the token; tokens is what was left at updated_at (refilled at the configured rate up to
-- the burst); allowed is whether the last request took one. Rows idle for long are full again and
-- are deleted by the limiter's sweep.
CREATE TABLE api_rate_buckets (
    key        bytea PRIMARY KEY CHECK (length(key) = 32),
    tokens     double precision NOT NULL,
    allowed    boolean NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX api_rate_buckets_updated_idx ON api_rate_buckets (updated_at);

-- +goose Down
DROP TABLE api_rate_buckets;
