-- Under the BLOCK parking policy a relay skips the events of a key that has an earlier event Kafka rejected
-- (attempts > 0). Such events are rare, so this partial index stays tiny and makes that check an index probe.
CREATE INDEX outbox_event_failing_key ON outbox_event (shard, topic, aggregate_id, id) WHERE attempts > 0;
