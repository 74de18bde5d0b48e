package io.walletoutbox.relay.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.relay.OutboxRecords;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One publishing cycle: lease a shard, publish its oldest batch, delete what Kafka acknowledged, commit. */
public final class ShardPublisher {
    private static final Logger log = LoggerFactory.getLogger(ShardPublisher.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {};

    private final Jdbi jdbi;
    private final Producer<String, byte[]> producer;
    private final RelayConfig config;
    private final RelayMetrics metrics;

    public ShardPublisher(Jdbi jdbi, Producer<String, byte[]> producer, RelayConfig config, RelayMetrics metrics) {
        this.jdbi = jdbi;
        this.producer = producer;
        this.config = config;
        this.metrics = metrics;
    }

    /** What one cycle did. */
    public record Outcome(int claimed, int published, int failed) {
        static final Outcome IDLE = new Outcome(0, 0, 0);
    }

    /** Runs one cycle. Returns {@link Outcome#IDLE} when no unleased shard has events. */
    public Outcome publishOnce() {
        return jdbi.inTransaction(handle -> {
            // A stopped or partitioned relay must not keep its shard forever: PostgreSQL ends a session that
            // stays idle in a transaction this long, which releases the lease.
            handle.execute(
                    "SELECT set_config('idle_in_transaction_session_timeout', ?, true)",
                    config.stallTimeout().toMillis() + "ms");
            Optional<Integer> shard = leaseShard(handle);
            if (shard.isEmpty()) {
                return Outcome.IDLE;
            }
            metrics.shardsOwned(1);
            try {
                return publishShard(handle, shard.get());
            } finally {
                metrics.shardsOwned(-1);
            }
        });
    }

    private Optional<Integer> leaseShard(Handle handle) {
        return handle.createQuery("""
                        SELECT s.shard FROM outbox_shard s
                        WHERE EXISTS (SELECT 1 FROM outbox_event e WHERE e.shard = s.shard)
                        ORDER BY s.last_published
                        LIMIT 1
                        FOR UPDATE SKIP LOCKED
                        """).mapTo(Integer.class).findOne();
    }

    private Outcome publishShard(Handle handle, int shard) {
        List<StoredEvent> batch = handle.createQuery("""
                        SELECT id, event_id, aggregate_type, aggregate_id, event_type, topic, payload,
                               headers::text AS headers, created_at
                        FROM outbox_event WHERE shard = :shard ORDER BY id LIMIT :limit
                        """)
                .bind("shard", shard)
                .bind("limit", config.batchSize())
                .map((rs, ctx) -> new StoredEvent(
                        rs.getLong("id"),
                        rs.getObject("event_id", UUID.class),
                        rs.getString("aggregate_type"),
                        rs.getString("aggregate_id"),
                        rs.getString("event_type"),
                        rs.getString("topic"),
                        rs.getString("payload"),
                        parseHeaders(rs.getString("headers")),
                        rs.getObject("created_at", OffsetDateTime.class).toInstant()))
                .list();
        if (batch.isEmpty()) {
            return Outcome.IDLE;
        }
        metrics.batchClaimed(batch.size());
        // Hand the whole batch to the producer at once; it pipelines and batches the sends.
        List<Future<RecordMetadata>> sends = new ArrayList<>(batch.size());
        for (StoredEvent event : batch) {
            sends.add(producer.send(OutboxRecords.toRecord(event)));
        }
        List<Long> acked = new ArrayList<>(batch.size());
        List<StoredEvent> rejected = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int retriable = 0;
        for (int i = 0; i < batch.size(); i++) {
            StoredEvent event = batch.get(i);
            try {
                sends.get(i).get();
                acked.add(event.position());
                metrics.published(Duration.between(event.createdAt(), Instant.now()));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RetriableException) {
                    retriable++;
                    metrics.failed(false);
                } else {
                    rejected.add(event);
                    errors.add(String.valueOf(e.getCause()));
                    metrics.failed(true);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RelayInterruptedException(e);
            }
        }
        if (!acked.isEmpty()) {
            handle.createUpdate("DELETE FROM outbox_event WHERE id = ANY(:ids)")
                    .bind("ids", acked.toArray(Long[]::new))
                    .execute();
        }
        for (int i = 0; i < rejected.size(); i++) {
            recordPermanentFailure(handle, rejected.get(i), errors.get(i));
        }
        handle.createUpdate("UPDATE outbox_shard SET last_published = clock_timestamp() WHERE shard = :shard")
                .bind("shard", shard)
                .execute();
        return new Outcome(batch.size(), acked.size(), retriable + rejected.size());
    }

    /** Counts a rejection; at {@code maxAttempts} the event moves to {@code outbox_parked}. */
    private void recordPermanentFailure(Handle handle, StoredEvent event, String error) {
        int attempts = handle.createQuery(
                        "UPDATE outbox_event SET attempts = attempts + 1, last_error = :error WHERE id = :id RETURNING attempts")
                .bind("error", error)
                .bind("id", event.position())
                .mapTo(Integer.class)
                .one();
        if (attempts < config.maxAttempts()) {
            log.warn(
                    "Kafka rejected event {} (attempt {} of {}): {}",
                    event.eventId(),
                    attempts,
                    config.maxAttempts(),
                    error);
            return;
        }
        handle.createUpdate("""
                        WITH moved AS (DELETE FROM outbox_event WHERE id = :id RETURNING *)
                        INSERT INTO outbox_parked (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                                   payload, headers, created_at, attempts, last_error)
                        SELECT id, event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload, headers,
                               created_at, attempts, last_error FROM moved
                        """).bind("id", event.position()).execute();
        metrics.parked();
        log.error(
                "parked event {} of key {} after {} attempts: {}",
                event.eventId(),
                event.aggregateId(),
                attempts,
                error);
    }

    private static Map<String, String> parseHeaders(String json) {
        try {
            return JSON.readValue(json, HEADERS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
