-- +goose Up
-- packets is the exchange: the only case data in the hub, sealed for its recipient.
CREATE TABLE packets (
    id                  uuid PRIMARY KEY,
    kind                text NOT NULL CHECK (kind IN ('repatriation', 'referral', 'handover', 'reply')),
    sender_agency_id    uuid NOT NULL REFERENCES agencies (id),
    recipient_agency_id uuid NOT NULL REFERENCES agencies (id),
    case_ref            text NOT NULL,
    status              text NOT NULL CHECK (status IN ('pending_approval', 'sent', 'opened', 'accepted',
                                                       'declined', 'revoked', 'expired')),
    sealed_payload      bytea,
    expires_at          timestamptz NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             integer NOT NULL DEFAULT 1
);
CREATE INDEX packets_recipient_idx ON packets (recipient_agency_id, created_at DESC, id DESC);

-- +goose Down
DROP TABLE packets;
