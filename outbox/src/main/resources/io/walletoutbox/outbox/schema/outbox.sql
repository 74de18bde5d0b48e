-- wallet-outbox schema, version 9, for 64 shards, the search_path

-- V1 outbox
-- The outbox: one row per event not yet acknowledged by Kafka. Rows are deleted once published, so the table
-- stays small; `id` is the position (per shard, the publishing order), `event_id` the de-duplication key.
CREATE TABLE outbox_event (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       uuid        NOT NULL UNIQUE,
    shard          integer     NOT NULL CHECK (shard >= 0),
    aggregate_type text        NOT NULL,
    aggregate_id   text        NOT NULL,
    event_type     text        NOT NULL,
    topic          text        NOT NULL,
    payload        text        NOT NULL,
    headers        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at     timestamptz NOT NULL,
    attempts       integer     NOT NULL DEFAULT 0,
    last_error     text
);
-- Claiming reads one shard's oldest rows: (shard, id) makes that an index range scan at any table size.
CREATE INDEX outbox_event_shard_id ON outbox_event (shard, id);
-- Published rows are deleted at once; vacuum this table eagerly so dead tuples never pile up.
ALTER TABLE outbox_event SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0);

-- Relays lease shards by locking these rows (FOR UPDATE SKIP LOCKED) for the length of one publishing
-- transaction: one shard is published by one relay at a time, which keeps each key's events in order.
CREATE TABLE outbox_shard (
    shard          integer PRIMARY KEY CHECK (shard >= 0),
    last_published timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO outbox_shard (shard) SELECT generate_series(0, 64 - 1);

-- Events Kafka rejected for good, after the configured number of attempts; operators retry or discard them.
CREATE TABLE outbox_parked (
    id             bigint PRIMARY KEY,
    event_id       uuid        NOT NULL UNIQUE,
    shard          integer     NOT NULL,
    aggregate_type text        NOT NULL,
    aggregate_id   text        NOT NULL,
    event_type     text        NOT NULL,
    topic          text        NOT NULL,
    payload        text        NOT NULL,
    headers        jsonb       NOT NULL,
    created_at     timestamptz NOT NULL,
    attempts       integer     NOT NULL,
    last_error     text        NOT NULL,
    parked_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_parked_key ON outbox_parked (topic, aggregate_id);

-- The inbox: which events each consumer has processed. Written in the consumer's own transaction.
CREATE TABLE inbox (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- V2 outbox blocking
-- Under the BLOCK parking policy a relay skips the events of a key that has an earlier event Kafka rejected
-- (attempts > 0). Such events are rare, so this partial index stays tiny and makes that check an index probe.
CREATE INDEX outbox_event_failing_key ON outbox_event (shard, topic, aggregate_id, id) WHERE attempts > 0;

-- V3 outbox mode
-- Where this deployment's writers put events: 'TABLE' (rows in outbox_event, for the polling relay) or
-- 'LOGICAL_MESSAGE' (logical decoding messages, for the CDC relay). One row at most: recorded by the first process
-- that starts (OutboxModes.claim), and a process whose mode disagrees refuses to start. Switching is an operator's
-- action (OutboxModes.switchTo, or the SQL in docs/operations.md), with the writers stopped and the outbox empty.
CREATE TABLE outbox_mode (
    singleton   boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    mode        text        NOT NULL CHECK (mode IN ('TABLE', 'LOGICAL_MESSAGE')),
    recorded_at timestamptz NOT NULL DEFAULT now()
);

-- V4 inbox retention
-- Processed event ids are kept for a configured retention (INBOX_RETENTION, longer than the topic's own retention,
-- so no redelivered event can find its id gone), then purged in batches by processing time.
CREATE INDEX inbox_processed_at ON inbox (processed_at);

-- V5 outbox append function
-- OutboxWriter.append as a server-side function, for writers that fold the append into a statement or function of
-- their own (OutboxWriter.serverSide) and so save its round trip. It writes exactly what the Java writers write:
-- in 'TABLE' mode the outbox_event row of PostgresOutboxWriter, in 'LOGICAL_MESSAGE' mode the transactional
-- logical decoding message of LogicalMessageOutboxWriter (the document of LogicalMessages, built the same way).
-- It joins the caller's transaction; call it after locking the row that orders the aggregate's events.
CREATE FUNCTION outbox_append(
    p_mode           text,
    p_prefix         text,
    p_event_id       uuid,
    p_shard          integer,
    p_aggregate_type text,
    p_aggregate_id   text,
    p_event_type     text,
    p_topic          text,
    p_payload        text,
    p_headers        jsonb,
    p_created_at     timestamptz
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF p_mode = 'TABLE' THEN
        INSERT INTO outbox_event (event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload, headers,
                                  created_at)
        VALUES (p_event_id, p_shard, p_aggregate_type, p_aggregate_id, p_event_type, p_topic, p_payload, p_headers,
                p_created_at);
    ELSIF p_mode = 'LOGICAL_MESSAGE' THEN
        PERFORM pg_logical_emit_message(true, p_prefix, json_build_object(
            'eventId', p_event_id,
            'aggregateType', p_aggregate_type,
            'aggregateId', p_aggregate_id,
            'type', p_event_type,
            'topic', p_topic,
            'payload', p_payload,
            'headers', p_headers,
            'createdAtMicros', CAST(EXTRACT(EPOCH FROM p_created_at) * 1000000 AS bigint))::text);
    ELSE
        RAISE EXCEPTION 'outbox mode % is unknown', p_mode USING ERRCODE = 'invalid_parameter_value';
    END IF;
END;
$$;

-- V6 inbox mark function
-- Inbox.markProcessed as a server-side function, for consumers whose processing is itself one server-side function
-- call (so the inbox row costs no round trip of its own). It joins the caller's transaction and writes exactly what
-- PostgresInbox.markProcessed writes: true when the row is new, false when the event was processed before (a
-- concurrent duplicate's insert is waited for; if it commits, this answers false).
CREATE FUNCTION inbox_mark_processed(p_consumer text, p_event_id uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO inbox (consumer, event_id) VALUES (p_consumer, p_event_id) ON CONFLICT DO NOTHING;
    RETURN FOUND;
END;
$$;

-- V7 logical message privileges
-- Only the service's own writer may put an event on the CDC relay's path (invariant I9). PostgreSQL grants EXECUTE
-- on pg_logical_emit_message to PUBLIC, so any login of this database could emit a message with the outbox's prefix
-- and the CDC relay would read it as an event. This takes that right from PUBLIC on every overload (PostgreSQL 15 and
-- 16: (boolean, text, text) and (boolean, text, bytea); 17 adds a fourth argument, flush) and gives it to the role
-- running the migration, which is the service's database user: its writers (outbox_append, the Java writer, a CDC-mode
-- retry of a parked event) and the CDC relay's heartbeat emit messages. Other roles that must emit get
-- GRANT EXECUTE ON FUNCTION pg_logical_emit_message(…) TO <role> from an operator (docs/operations.md).
--
-- Only the function's owner (the bootstrap superuser) or a superuser can change these rights; a migrating role that
-- is neither leaves them as they are (PostgreSQL would only warn that nothing was granted or revoked) and says so in
-- a notice: the CDC relay then logs a warning at every start with the statements to run (docs/operations.md).
DO $$
DECLARE
    f regprocedure;
    may boolean;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.proname = 'pg_logical_emit_message' AND p.pronamespace = 'pg_catalog'::regnamespace
             ORDER BY p.oid
    LOOP
        SELECT r.rolsuper OR pg_has_role(current_user, p.proowner, 'USAGE') INTO may
        FROM pg_proc p, pg_roles r WHERE p.oid = f AND r.rolname = current_user;
        IF NOT may THEN
            RAISE NOTICE 'PUBLIC keeps EXECUTE on %: % may not change it; a superuser runs: REVOKE EXECUTE ON FUNCTION % FROM PUBLIC; GRANT EXECUTE ON FUNCTION % TO %;',
                f, current_user, f, f, quote_ident(current_user);
            CONTINUE;
        END IF;
        BEGIN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, current_user);
            EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'PUBLIC keeps EXECUTE on %: %', f, SQLERRM;
        END;
    END LOOP;
END;
$$;

-- V8 outbox reindex function
-- The polling relay rebuilds the empty outbox's indexes (OutboxVacuum). REINDEX needs the table's owner, or on
-- PostgreSQL 17 and later the MAINTAIN privilege; a runtime role on PostgreSQL 15 or 16 has neither. This SECURITY
-- DEFINER function of the schema's owner rebuilds them only when the table is empty (milliseconds), waiting at most
-- p_lock_timeout_ms for its locks; it answers whether it rebuilt. EXECUTE goes to whom the deployment grants it
-- (the relay's group role, docs/operations.md). VACUUM cannot run inside a function at all: see OutboxVacuum.
CREATE FUNCTION outbox_event_reindex_if_empty(p_lock_timeout_ms integer) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER  AS $$
BEGIN
    IF p_lock_timeout_ms IS NULL OR p_lock_timeout_ms NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'lock timeout % ms is not 1..1000', p_lock_timeout_ms USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('lock_timeout', p_lock_timeout_ms || 'ms', true);
    IF EXISTS (SELECT 1 FROM outbox_event) THEN
        RETURN false;
    END IF;
    REINDEX TABLE outbox_event;
    RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION outbox_event_reindex_if_empty(integer) FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION %I(integer) SET search_path = pg_catalog, %I, pg_temp',
        'outbox_event_reindex_if_empty', current_schema());
END
$$;

-- V9 binary payloads
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
