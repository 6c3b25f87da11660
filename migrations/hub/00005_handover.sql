-- +goose Up
-- handover_batches is the envelope of a handover at the border: one country's store agency hands a
-- group of persons over to the other country's social-welfare agency at a checkpoint. Each person
-- travels as a packet of kind 'handover' (sealed for the recipient); this row holds no personal data
-- of the persons, only the agencies, the checkpoint, the time, the officials of each side (staff
-- acting for their agency, as printed on the signed record) and counts.
CREATE TABLE handover_batches (
    id                  uuid PRIMARY KEY,
    sender_agency_id    uuid NOT NULL REFERENCES agencies (id),
    recipient_agency_id uuid NOT NULL REFERENCES agencies (id),
    checkpoint          text NOT NULL CHECK (checkpoint IN ('poipet_aranyaprathet', 'cham_yeam_hat_lek', 'osmach_chong_chom')),
    handover_at         timestamptz NOT NULL,
    status              text NOT NULL CHECK (status IN ('pending_approval', 'sent', 'answered', 'revoked')),
    person_count        integer NOT NULL CHECK (person_count > 0),
    accepted_count      integer NOT NULL DEFAULT 0,
    declined_count      integer NOT NULL DEFAULT 0,
    sending_officials   text NOT NULL DEFAULT '',
    receiving_officials text NOT NULL DEFAULT '',
    created_by          uuid NOT NULL REFERENCES users (id),
    approved_by         uuid REFERENCES users (id),
    answered_by         uuid REFERENCES users (id),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    version             integer NOT NULL DEFAULT 1,
    CHECK (sender_agency_id <> recipient_agency_id),
    CHECK (accepted_count + declined_count <= person_count)
);
CREATE INDEX handover_batches_sender_idx ON handover_batches (sender_agency_id, created_at DESC, id DESC);
CREATE INDEX handover_batches_recipient_idx ON handover_batches (recipient_agency_id, created_at DESC, id DESC);

-- handover_batch_packets lists the packets of a batch, one per person, in the order chosen.
CREATE TABLE handover_batch_packets (
    batch_id  uuid NOT NULL REFERENCES handover_batches (id),
    position  integer NOT NULL,
    packet_id uuid NOT NULL UNIQUE REFERENCES packets (id),
    PRIMARY KEY (batch_id, position)
);

-- +goose Down
DROP TABLE handover_batch_packets, handover_batches;
