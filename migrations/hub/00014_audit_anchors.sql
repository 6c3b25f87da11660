-- +goose Up
-- audit_anchors holds the stores' chain heads published into the hub by each store's sealer, signed
-- with that store's anchor key (source is the country code): insert-only (provision.GrantApp),
-- checked by `homeward audit verify`. The hub's own anchor key is hub_keys purpose "audit-anchor".
CREATE TABLE audit_anchors (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      text NOT NULL,
    seq         bigint NOT NULL,
    hash        bytea NOT NULL,
    sealed_at   timestamptz NOT NULL,
    signature   bytea NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, seq)
);

-- +goose Down
DROP TABLE audit_anchors;
