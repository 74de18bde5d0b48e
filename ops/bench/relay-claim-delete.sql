-- The database's floor under an outbox drain (issue 25), for pgbench -M prepared, run by RelayBenchmark
-- (ops/bench/relay-bench.sh) on the outbox the relay drains, filled with the same rows: one statement hands out a
-- batch of the oldest events and deletes them, returning the columns the relay reads to publish an event
-- (ShardLeaseReader's; the table is outbox migration V1's outbox_event). Each client repeats it, FOR UPDATE SKIP
-- LOCKED keeping the clients off each other's rows, until the table is empty. No shard leases, no order per key,
-- no Kafka: what any relay of this table must at least pay the database per event. Variable: :batch (the relay's
-- batch size).
WITH c AS (
    SELECT id FROM outbox_event ORDER BY id LIMIT :batch FOR UPDATE SKIP LOCKED
)
DELETE FROM outbox_event o
 USING c
 WHERE o.id = c.id
RETURNING o.id, o.event_id, o.aggregate_type, o.aggregate_id, o.event_type, o.topic, o.payload,
          o.headers::text AS headers, o.created_at;
