package io.walletoutbox.relay.cdc.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import io.walletoutbox.relay.OutboxRecords;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.RelayMetrics;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.internal.BatchSender;
import io.walletoutbox.relay.internal.RelayInterruptedException;
import io.walletoutbox.relay.internal.ShardPublisher;
import io.walletoutbox.relay.internal.TopicGuard;
import io.walletoutbox.relay.internal.Traces;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one batch of the CDC relay's events with the polling relay's {@link BatchSender}, retrying until
 * every event is acknowledged or parked in {@code outbox_parked} (of the configured {@code OutboxTables}). An event naming a topic that is not one of the
 * relay's ({@link TopicGuard}) is parked at once and never sent.
 */
final class CdcPublisher {
    /** The relay's logger: operators' log settings name the relay, not how its code is split. */
    private static final Logger log = LoggerFactory.getLogger(CdcRelayImpl.class);

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String INSERT_PARKED = """
            INSERT INTO {outbox_parked} (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                       payload, payload_bytes, content_type, headers, created_at, attempts,
                                       last_error)
            VALUES (:id, :eventId, -1, :aggregateType, :aggregateId, :type, :topic, :payload, :payloadBytes,
                    :contentType,
                    CAST(:headers AS jsonb), :createdAt, :attempts, :error)
            ON CONFLICT DO NOTHING
            """;

    private final DataSource dataSource;
    /** {@link #INSERT_PARKED} in the configured tables. */
    private final NamedSql parkedInsert;

    private final CdcConfig config;
    private final RelayMetrics metrics;
    private final BatchSender sender;
    private final TopicGuard guard;
    private final BooleanSupplier running;
    private final Backoff.Pause pause;

    CdcPublisher(
            DataSource dataSource,
            CdcConfig config,
            RelayMetrics metrics,
            BatchSender sender,
            BooleanSupplier running,
            Backoff.Pause pause) {
        this.dataSource = dataSource;
        this.parkedInsert = NamedSql.of(config.tables().render(INSERT_PARKED));
        this.config = config;
        this.metrics = metrics;
        this.sender = sender;
        this.guard = new TopicGuard("CDC relay " + config.instanceId(), config.topics(), metrics, log);
        this.running = running;
        this.pause = pause;
    }

    /**
     * Sends {@code events} until every one is acknowledged (or parked), with the polling relay's {@link
     * BatchSender}: what failed, and in a blocking topic what its key's failure held back, is sent again after a
     * back-off, in order. Events naming a foreign topic are parked first, never sent. Throws {@link
     * InterruptedException} when the relay is closed meanwhile, so the batch's offsets are not committed. {@code
     * batch}'s span is linked to the events sent (not to parked foreign ones, as in the polling relay).
     */
    void publish(List<StoredEvent> events, Traces.Cycle batch) throws InterruptedException {
        List<StoredEvent> foreign = guard.foreign(events);
        for (StoredEvent event : foreign) {
            // Parked before the batch's offsets are committed: a crash in between parks it again, or finds it there.
            insertParked(event, 0, guard.refusal(event));
            guard.refused(event);
        }
        List<StoredEvent> pending = foreign.isEmpty()
                ? events
                : events.stream().filter(guard::allows).toList();
        batch.carried(pending);
        var attempts = new HashMap<UUID, Integer>();
        Duration backoff = config.retryBackoff();
        while (!pending.isEmpty()) {
            if (!running.getAsBoolean()) {
                throw new InterruptedException("relay closed");
            }
            List<BatchSender.Result> results;
            try {
                results = sender.send(pending);
            } catch (RelayInterruptedException e) {
                throw new InterruptedException("relay closed");
            }
            var again = new ArrayList<StoredEvent>();
            int retriable = 0;
            boolean denied = false;
            String firstError = null;
            for (int i = 0; i < pending.size(); i++) {
                StoredEvent event = pending.get(i);
                switch (results.get(i)) {
                    case BatchSender.Result.Acked a -> {}
                    case BatchSender.Result.Rejected r -> {
                        int n = attempts.merge(event.eventId(), 1, Integer::sum);
                        if (n >= config.maxAttempts()) {
                            park(event, n, r.error());
                        } else {
                            log.warn(
                                    "CDC relay {}: Kafka rejected event {} (attempt {} of {}): {}",
                                    config.instanceId(),
                                    event.eventId(),
                                    n,
                                    config.maxAttempts(),
                                    r.error());
                            again.add(event);
                        }
                    }
                    case BatchSender.Result.Retriable r -> {
                        retriable++;
                        denied |= r.denied();
                        firstError = firstError == null ? r.error() : firstError;
                        again.add(event);
                    }
                    case BatchSender.Result.NotSent n -> again.add(event);
                }
            }
            if (again.isEmpty()) {
                return;
            }
            if (retriable > 0) {
                // One line per round, not per event: while Kafka is away every round fails alike.
                log.warn(
                        "CDC relay {}: {} of {} sends failed, {} events will be sent again in about {}{}; first error: {}",
                        config.instanceId(),
                        retriable,
                        pending.size(),
                        again.size(),
                        backoff,
                        denied ? ShardPublisher.DENIED_HINT : "",
                        firstError);
            }
            pending = again;
            pause.pause(Backoff.jitter(backoff));
            backoff = Backoff.next(backoff, config.maxRetryBackoff());
        }
    }

    private void park(StoredEvent event, int attempts, String error) {
        insertParked(event, attempts, error);
        metrics.parked();
        log.error(
                "CDC relay {}: parked event {} of key {} on topic {} after {} attempts: {}",
                config.instanceId(),
                event.eventId(),
                event.aggregateId(),
                event.topic(),
                attempts,
                error);
    }

    /** Writes {@code event} to {@code outbox_parked} (shard -1, its WAL position as id), unless it is there. */
    private void insertParked(StoredEvent event, int attempts, String error) {
        // Stored as a writer would have stored it: text when textual and UTF-8, else bytes.
        boolean text = io.walletoutbox.outbox.OutboxEvent.storedAsText(event.payload(), event.contentType());
        Connections.with(
                dataSource,
                "parking event " + event.eventId(),
                c -> parkedInsert
                        .on(c)
                        .bind("id", event.position())
                        .bind("eventId", event.eventId())
                        .bind("aggregateType", event.aggregateType())
                        .bind("aggregateId", event.aggregateId())
                        .bind("type", event.type())
                        .bind("topic", event.topic())
                        .bind("payload", text ? event.payloadText() : null)
                        .bind("payloadBytes", text ? null : event.payload())
                        .bind(
                                "contentType",
                                OutboxRecords.JSON.equals(event.contentType()) ? null : event.contentType())
                        .bind("headers", writeJson(event.headers()))
                        .bind("createdAt", java.sql.Timestamp.from(event.createdAt()))
                        .bind("attempts", attempts)
                        .bind("error", error)
                        .execute());
    }

    private static String writeJson(Map<String, String> headers) {
        try {
            return JSON.writeValueAsString(headers);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
