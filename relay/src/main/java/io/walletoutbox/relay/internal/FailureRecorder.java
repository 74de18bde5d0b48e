package io.walletoutbox.relay.internal;

import io.walletoutbox.outbox.internal.sql.NamedSql;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMetrics;
import io.walletoutbox.relay.internal.BatchSender.Result;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link ShardPublisher} does with a round's failed sends, inside the lease's transaction: counts each
 * rejection and parks the event in {@code outbox_parked} at {@link RelayConfig#maxAttempts()}, and says once what
 * failed and will be retried, or that a key's order on its topic was broken.
 */
final class FailureRecorder {
    // The publisher's logger, so that operators find these lines where they always were.
    private static final Logger log = LoggerFactory.getLogger(ShardPublisher.class);

    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final NamedSql countRejection;
    private final NamedSql park;

    FailureRecorder(RelayConfig config, RelayMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.countRejection = NamedSql.of(
                config.tables()
                        .render(
                                "UPDATE {outbox_event} SET attempts = attempts + 1, last_error = :error WHERE id = :id RETURNING attempts"));
        this.park = NamedSql.of(config.tables().render("""
                WITH moved AS (DELETE FROM {outbox_event} WHERE id = :id RETURNING *)
                INSERT INTO {outbox_parked} (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                           payload, payload_bytes, content_type, headers, created_at, attempts,
                                           last_error)
                SELECT id, event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload, payload_bytes,
                       content_type, headers, created_at, attempts, last_error FROM moved
                """));
    }

    /** Counts the rejections of a round (parking at the limit) and says once what failed and will be retried. */
    void recordFailures(Connection connection, List<Integer> shards, List<StoredEvent> batch, List<Result> results)
            throws SQLException {
        int retriable = 0;
        boolean denied = false;
        String firstError = null;
        for (int i = 0; i < batch.size(); i++) {
            switch (results.get(i)) {
                case Result.Rejected r -> recordRejection(connection, batch.get(i), r.error());
                case Result.Retriable r -> {
                    retriable++;
                    denied |= r.denied();
                    firstError = firstError == null ? r.error() : firstError;
                }
                case Result.Acked a -> {}
                case Result.NotSent n -> {}
            }
        }
        if (retriable > 0) {
            // One line per cycle, not per event: while Kafka is away every cycle fails alike.
            log.warn(
                    "relay {}: {} of {} sends in shards {} failed and will be retried{}, first error: {}",
                    config.instanceId(),
                    retriable,
                    batch.size(),
                    shards,
                    denied ? ShardPublisher.DENIED_HINT : "",
                    firstError);
        }
    }

    /**
     * Under SKIP a batch is pipelined: if a send failed while a later event of the same key was acknowledged, that
     * key's order on the topic is broken (the failed one goes out later). Rare with an idempotent producer, and
     * expected for a rejected event under SKIP; worth an operator's attention when it was a timeout.
     */
    void warnIfOrderBroken(List<StoredEvent> batch, List<Result> results) {
        var failedKeys = new java.util.HashMap<String, StoredEvent>();
        for (int i = 0; i < batch.size(); i++) {
            StoredEvent event = batch.get(i);
            String key = event.topic() + '\u0000' + event.aggregateId();
            if (results.get(i) instanceof Result.Retriable) {
                failedKeys.putIfAbsent(key, event);
            } else if (results.get(i) instanceof Result.Acked && failedKeys.containsKey(key)) {
                log.warn(
                        "relay {}: event {} of key {} was acknowledged after the send of earlier event {} failed;"
                                + " the earlier one will be published after it",
                        config.instanceId(),
                        event.eventId(),
                        event.aggregateId(),
                        failedKeys.remove(key).eventId());
            }
        }
    }

    /** Counts a rejection; at {@code maxAttempts} the event moves to {@code outbox_parked}. */
    private void recordRejection(Connection connection, StoredEvent event, String error) throws SQLException {
        int attempts = countRejection
                .on(connection)
                .bind("error", error)
                .bind("id", event.position())
                .one(rs -> rs.getInt(1));
        if (attempts < config.maxAttempts()) {
            log.warn(
                    "relay {}: Kafka rejected event {} (attempt {} of {}): {}",
                    config.instanceId(),
                    event.eventId(),
                    attempts,
                    config.maxAttempts(),
                    error);
            return;
        }
        park.on(connection).bind("id", event.position()).execute();
        metrics.parked();
        log.error(
                "relay {}: parked event {} of key {} on topic {} after {} attempts: {}",
                config.instanceId(),
                event.eventId(),
                event.aggregateId(),
                event.topic(),
                attempts,
                error);
    }
}
