-- Payloads of any content type (issue 24): an event's bytes go to payload (text) when its content type is textual and
-- they are UTF-8 without NUL, as every event before this version, and to payload_bytes otherwise (Avro, Protobuf, …);
-- exactly one of the two is set. content_type is the record's content type; NULL is application/json, what every
-- event before this version was. Adding nullable columns and dropping NOT NULL change only the catalog; the CHECK
-- reads the table once (the outbox holds only what is not yet published). Writers and relays of the version before
-- keep working on these tables (they write and read payload only) until a writer appends a binary payload, which
-- they cannot read: upgrade the relays before writing one.
ALTER TABLE outbox_event
    ADD COLUMN payload_bytes bytea,
    ADD COLUMN content_type text,
    ALTER COLUMN payload DROP NOT NULL,
    ADD CHECK ((payload IS NULL) <> (payload_bytes IS NULL));
ALTER TABLE outbox_parked
    ADD COLUMN payload_bytes bytea,
    ADD COLUMN content_type text,
    ALTER COLUMN payload DROP NOT NULL,
    ADD CHECK ((payload IS NULL) <> (payload_bytes IS NULL));
