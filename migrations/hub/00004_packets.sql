-- +goose Up
-- The exchange's envelope (DESIGN.md §1, issue 4): what a packet relies on, who asked and who
-- approved, the decisions on it, and the per-recipient-agency keysets its payload is sealed with.
-- No free text of a case is kept here in clear: override and decline reasons stay in the sending
-- store's audit log or travel sealed in a reply; reason holds only a code.
ALTER TABLE packets
    ADD COLUMN purpose            text NOT NULL DEFAULT '',
    ADD COLUMN fields             text[] NOT NULL DEFAULT '{}',
    ADD COLUMN consent_ref        text NOT NULL DEFAULT '',
    ADD COLUMN override           boolean NOT NULL DEFAULT false,
    ADD COLUMN reply_to           uuid REFERENCES packets (id),
    ADD COLUMN batch_id           uuid,
    ADD COLUMN asked_by           uuid REFERENCES users (id),
    ADD COLUMN approved_by        uuid REFERENCES users (id),
    ADD COLUMN opened_at          timestamptz,
    ADD COLUMN decided_at         timestamptz,
    -- reason: a code only ('revoked', 'consent_withdrawn', 'case_closed', 'declined', 'expired', ...).
    ADD COLUMN reason             text NOT NULL DEFAULT '' CHECK (reason ~ '^[a-z_]{0,40}$'),
    -- sender_country: the store the packet left (NULL when an embassy or NGO replies).
    ADD COLUMN sender_country     text CHECK (sender_country ~ '^[A-Z]{2}$'),
    -- sender_seen_status: the last status the sending store has audited (Sync), so that every
    -- open, accept, decline and expiry is audited at the sending end too, in that store's context.
    ADD COLUMN sender_seen_status text NOT NULL DEFAULT '',
    ADD CONSTRAINT packets_reply_check CHECK ((kind = 'reply') = (reply_to IS NOT NULL)),
    ADD CONSTRAINT packets_erased_check CHECK (status NOT IN ('revoked', 'expired', 'declined') OR sealed_payload IS NULL);

-- An inbox of 10,000 packets: by recipient, optionally by status, newest first (cursor on created_at, id).
CREATE INDEX packets_recipient_status_idx ON packets (recipient_agency_id, status, created_at DESC, id DESC);
CREATE INDEX packets_recipient_kind_idx ON packets (recipient_agency_id, kind, created_at DESC, id DESC);
-- Lazy expiry and the worker: outstanding packets by expiry.
CREATE INDEX packets_outstanding_expiry_idx ON packets (expires_at)
    WHERE status IN ('pending_approval', 'sent', 'opened');
-- Sync: replies waiting for a store, and status changes not yet audited by the sending store.
CREATE INDEX packets_waiting_replies_idx ON packets (recipient_agency_id, created_at)
    WHERE kind = 'reply' AND status IN ('sent', 'opened');
CREATE INDEX packets_sender_unseen_idx ON packets (sender_country, updated_at)
    WHERE kind <> 'reply' AND status IN ('opened', 'accepted', 'declined', 'expired') AND sender_seen_status <> status;
CREATE INDEX packets_sender_idx ON packets (sender_agency_id, created_at DESC, id DESC);
CREATE INDEX packets_reply_to_idx ON packets (reply_to) WHERE reply_to IS NOT NULL;
CREATE INDEX packets_batch_idx ON packets (batch_id) WHERE batch_id IS NOT NULL;

-- agency_keys holds each recipient agency's packet keyset (Tink AES256-GCM), wrapped by the master
-- key with associated data binding it to the agency. Append-only for the app role.
CREATE TABLE agency_keys (
    agency_id  uuid PRIMARY KEY REFERENCES agencies (id),
    keyset     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE agency_keys;
DROP INDEX packets_recipient_status_idx, packets_recipient_kind_idx, packets_outstanding_expiry_idx,
    packets_waiting_replies_idx, packets_sender_unseen_idx, packets_sender_idx, packets_reply_to_idx, packets_batch_idx;
ALTER TABLE packets DROP CONSTRAINT packets_reply_check, DROP CONSTRAINT packets_erased_check,
    DROP COLUMN purpose, DROP COLUMN fields, DROP COLUMN consent_ref, DROP COLUMN override,
    DROP COLUMN reply_to, DROP COLUMN batch_id, DROP COLUMN asked_by, DROP COLUMN approved_by,
    DROP COLUMN opened_at, DROP COLUMN decided_at, DROP COLUMN reason, DROP COLUMN sender_country,
    DROP COLUMN sender_seen_status;
