package io.walletoutbox.relay.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.Relay;
import io.walletoutbox.relay.RelayMetrics;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcSlots;
import io.walletoutbox.relay.internal.BatchSender;
import io.walletoutbox.relay.internal.ProducerSlot;
import io.walletoutbox.relay.internal.RelayHooks;
import io.walletoutbox.relay.internal.RelayInterruptedException;
import io.walletoutbox.relay.internal.ShardPublisher;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Debezium's embedded engine in a supervisor thread (restarted after a back-off when it stops on an error,
 * for instance while another instance holds the slot) and publishes each batch of outbox messages before letting
 * the engine commit its offsets.
 */
public final class CdcRelayImpl implements Relay {
    private static final Logger log = LoggerFactory.getLogger(CdcRelayImpl.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Prefix of the relay's heartbeat messages: read, confirmed, never published. */
    static final String HEARTBEAT_PREFIX = "walletoutbox.heartbeat";

    private final Jdbi jdbi;
    private final Producer<String, byte[]> producer;
    private final CdcConfig config;
    private final RelayMetrics metrics;
    private final BatchSender sender;
    private final Object lock = new Object();
    private final AtomicReference<DebeziumEngine<ChangeEvent<String, String>>> engine = new AtomicReference<>();
    private final RelayHooks hooks;
    private final SlotAdvancer slotAdvancer;
    private Thread supervisor;
    private volatile boolean running;
    /** An {@link Error} that ended the relay: it stops for good, and {@link #isRunning()} says so. */
    private volatile Throwable fatal;
    /** The primary the engine last read from (supervisor thread only). */
    private PrimaryLocator.Primary lastPrimary;

    public CdcRelayImpl(Jdbi jdbi, Producer<String, byte[]> producer, CdcConfig config, RelayMetrics metrics) {
        this(jdbi, producer, config, metrics, RelayHooks.NONE);
    }

    /**
     * A CDC relay with test {@code hooks}: {@link RelayHooks#afterAcks} runs after every event of a batch was
     * acknowledged or parked and before the batch's offsets are committed, with shard {@code -1} and the events'
     * WAL positions.
     */
    public CdcRelayImpl(
            Jdbi jdbi, Producer<String, byte[]> producer, CdcConfig config, RelayMetrics metrics, RelayHooks hooks) {
        this.hooks = Objects.requireNonNull(hooks, "hooks");
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.sender = new BatchSender(ProducerSlot.fixed(producer), config::policyOf, metrics, true);
        this.slotAdvancer = new SlotAdvancer(jdbi, config.slotName(), config.instanceId());
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        // Before returning: whatever commits from now on is kept in the slot for this relay.
        CdcSlots.ensurePublication(jdbi, config);
        CdcSlots.ensureSlot(jdbi, config);
        running = true;
        supervisor = Thread.ofPlatform()
                .name("relay-cdc-" + config.instanceId())
                .daemon()
                .start(this::supervise);
        slotAdvancer.start();
        log.info("CDC relay {} started on slot {}", config.instanceId(), config.slotName());
    }

    @Override
    public void wakeUp() {
        // The WAL stream needs no wake-up.
    }

    @Override
    public boolean isRunning() {
        Thread thread;
        synchronized (lock) {
            thread = supervisor;
        }
        return running && fatal == null && thread != null && thread.isAlive();
    }

    private void supervise() {
        Duration backoff = config.retryBackoff();
        while (running) {
            try {
                CdcSlots.ensurePublication(jdbi, config);
                PrimaryLocator.Primary primary = PrimaryLocator.locate(config);
                if (!primary.equals(lastPrimary)) {
                    log.info(
                            "CDC relay {}: reading slot {} on the primary {}:{}",
                            config.instanceId(),
                            config.slotName(),
                            primary.host().host(),
                            primary.host().port());
                    lastPrimary = primary;
                }
                var failure = new AtomicReference<Throwable>();
                var built = DebeziumEngine.create(Json.class)
                        .using(properties(primary))
                        .using((success, message, error) -> {
                            if (!success) {
                                failure.set(error != null ? error : new IllegalStateException(message));
                            }
                        })
                        .notifying(this::handleBatch)
                        .build();
                synchronized (lock) {
                    if (!running) {
                        built.close();
                        return;
                    }
                    engine.set(built);
                }
                long started = System.nanoTime();
                built.run(); // returns when the engine stops, on close() or on an error
                engine.set(null);
                if (fatal != null) {
                    throw fatal;
                }
                if (failure.get() != null && running) {
                    throw failure.get();
                }
                if (Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofMinutes(1)) > 0) {
                    backoff = config.retryBackoff();
                }
            } catch (Throwable e) {
                if (!running) {
                    return;
                }
                if (fatal != null || e instanceof Error) {
                    Throwable cause = fatal != null ? fatal : e;
                    fatal = cause;
                    log.error(
                            "CDC relay {}: stopped for good on an error; the relay no longer runs (restart the"
                                    + " process)",
                            config.instanceId(),
                            cause);
                    return;
                }
                log.warn(
                        "CDC relay {}: engine stopped, starting again in {}: {}",
                        config.instanceId(),
                        backoff,
                        rootMessage(e));
            }
            sleep(jitter(backoff));
            backoff = min(backoff.multipliedBy(2), config.maxRetryBackoff());
        }
    }

    private Properties properties(PrimaryLocator.Primary primary) {
        var p = new Properties();
        p.setProperty("name", config.slotName());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", PostgresOffsetBackingStore.class.getName());
        p.setProperty(PostgresOffsetBackingStore.URL, config.jdbcUrl());
        p.setProperty(PostgresOffsetBackingStore.USER, config.user());
        p.setProperty(PostgresOffsetBackingStore.PASSWORD, config.password());
        p.setProperty(PostgresOffsetBackingStore.TABLE, config.offsetsTable());
        p.setProperty(PostgresOffsetBackingStore.ENGINE, config.slotName());
        // Offsets are committed after every batch (the relay only returns from a batch once Kafka acked it).
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("offset.flush.timeout.ms", "10000");
        p.setProperty("database.hostname", primary.host().host());
        p.setProperty("database.port", Integer.toString(primary.host().port()));
        p.setProperty("database.user", config.user());
        p.setProperty("database.password", config.password());
        p.setProperty("database.dbname", config.database());
        p.setProperty("topic.prefix", config.slotName());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", config.slotName());
        if (primary.serverVersion() >= 170000) {
            // CdcSlots.ensureSlot made the slot a failover slot already; this covers Debezium creating it again.
            p.setProperty("slot.failover", "true");
        }
        p.setProperty("publication.name", config.publicationName());
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("snapshot.mode", "no_data");
        // No table is captured: the outbox is made of logical decoding messages.
        p.setProperty("table.include.list", "public\\.walletoutbox_no_table");
        p.setProperty("message.prefix.include.list", OutboxMode.MESSAGE_PREFIX + "," + HEARTBEAT_PREFIX);
        p.setProperty(
                "heartbeat.interval.ms",
                Long.toString(config.heartbeatInterval().toMillis()));
        p.setProperty(
                "heartbeat.action.query", "SELECT pg_logical_emit_message(false, '" + HEARTBEAT_PREFIX + "', '')");
        p.setProperty("max.batch.size", Integer.toString(config.maxBatchSize()));
        p.setProperty("max.queue.size", Integer.toString(config.maxBatchSize() * 4));
        p.setProperty("poll.interval.ms", Long.toString(config.pollInterval().toMillis()));
        p.setProperty("status.update.interval.ms", "1000");
        p.setProperty("converter.schemas.enable", "false");
        p.setProperty("key.converter.schemas.enable", "false");
        p.setProperty("value.converter.schemas.enable", "false");
        p.setProperty("errors.max.retries", "0");
        // While another instance (or a killed one's lingering WAL sender) holds the slot, try again every 2 s.
        p.setProperty("slot.retry.delay.ms", "2000");
        return p;
    }

    private void handleBatch(
            List<ChangeEvent<String, String>> records,
            DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer)
            throws InterruptedException {
        var events = new ArrayList<StoredEvent>(records.size());
        for (var record : records) {
            StoredEvent event = parse(record.value());
            if (event != null) {
                events.add(event);
            }
        }
        if (!events.isEmpty()) {
            metrics.batchClaimed(events.size());
            try {
                publish(events);
                hooks.afterAcks(-1, events.stream().map(StoredEvent::position).toList());
            } catch (Error e) {
                // Recorded before Debezium sees it: however the engine reports it, the supervisor stops for good.
                fatal = e;
                throw e;
            }
        }
        for (var record : records) {
            committer.markProcessed(record);
        }
        committer.markBatchFinished();
    }

    /**
     * Sends {@code events} until every one is acknowledged (or parked), with the polling relay's {@link
     * BatchSender}: what failed, and in a blocking topic what its key's failure held back, is sent again after a
     * back-off, in order. Throws {@link InterruptedException} when the relay is closed meanwhile, so the batch's
     * offsets are not committed.
     */
    private void publish(List<StoredEvent> events) throws InterruptedException {
        List<StoredEvent> pending = events;
        var attempts = new HashMap<UUID, Integer>();
        Duration backoff = config.retryBackoff();
        while (!pending.isEmpty()) {
            if (!running) {
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
            sleep(jitter(backoff));
            backoff = min(backoff.multipliedBy(2), config.maxRetryBackoff());
        }
    }

    private void park(StoredEvent event, int attempts, String error) {
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO outbox_parked (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                                   payload, headers, created_at, attempts, last_error)
                        VALUES (:id, :eventId, -1, :aggregateType, :aggregateId, :type, :topic, :payload,
                                CAST(:headers AS jsonb), :createdAt, :attempts, :error)
                        ON CONFLICT DO NOTHING
                        """)
                .bind("id", event.position())
                .bind("eventId", event.eventId())
                .bind("aggregateType", event.aggregateType())
                .bind("aggregateId", event.aggregateId())
                .bind("type", event.type())
                .bind("topic", event.topic())
                .bind("payload", event.payload())
                .bind("headers", writeJson(event.headers()))
                .bind("createdAt", java.sql.Timestamp.from(event.createdAt()))
                .bind("attempts", attempts)
                .bind("error", error)
                .execute());
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

    /**
     * The outbox event in a Debezium change event (JSON, schemas off), or null for anything else (heartbeats).
     * The message's content is the document {@code LogicalMessageOutboxWriter} made; its position is its LSN.
     */
    static StoredEvent parse(String value) {
        if (value == null) {
            return null;
        }
        try {
            JsonNode root = JSON.readTree(value);
            JsonNode message = root.get("message");
            if (message == null
                    || !OutboxMode.MESSAGE_PREFIX.equals(message.path("prefix").asText())) {
                return null;
            }
            byte[] content = Base64.getDecoder().decode(message.get("content").asText());
            JsonNode e = JSON.readTree(content);
            var headers = new HashMap<String, String>();
            e.path("headers")
                    .properties()
                    .forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
            long micros = e.get("createdAtMicros").asLong();
            return new StoredEvent(
                    root.path("source").path("lsn").asLong(),
                    UUID.fromString(e.get("eventId").asText()),
                    e.get("aggregateType").asText(),
                    e.get("aggregateId").asText(),
                    e.get("type").asText(),
                    e.get("topic").asText(),
                    e.get("payload").asText(),
                    Map.copyOf(headers),
                    Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L));
        } catch (IOException e) {
            throw new IllegalStateException("unreadable change event: " + e.getMessage(), e);
        }
    }

    private static String writeJson(Map<String, String> headers) {
        try {
            return JSON.writeValueAsString(headers);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void sleep(Duration d) {
        synchronized (lock) {
            long deadline = System.nanoTime() + d.toNanos();
            long left;
            while (running && (left = deadline - System.nanoTime()) > 0) {
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static Duration jitter(Duration d) {
        long ms = Math.max(1, d.toMillis());
        return Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /**
     * Stops the running engine, if any. Debezium refuses while its task is still starting, so this tries again
     * until it is accepted or the engine is gone (within a deadline).
     */
    private void closeEngine() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            var current = engine.get();
            if (current == null) {
                return;
            }
            try {
                current.close();
                return;
            } catch (IllegalStateException e) {
                try {
                    Thread.sleep(50); // still starting
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } catch (IOException e) {
                log.warn("CDC relay {}: closing the engine failed: {}", config.instanceId(), e.toString());
                return;
            }
        }
    }

    @Override
    public void close() {
        Thread thread;
        synchronized (lock) {
            if (!running) {
                producer.close(Duration.ofSeconds(5));
                return;
            }
            running = false;
            lock.notifyAll();
            thread = supervisor;
        }
        slotAdvancer.close();
        closeEngine();
        try {
            if (thread != null && !thread.join(Duration.ofSeconds(30))) {
                thread.interrupt();
                thread.join(Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        log.info("CDC relay {} stopped", config.instanceId());
    }
}
