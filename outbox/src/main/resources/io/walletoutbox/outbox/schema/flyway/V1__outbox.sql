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
