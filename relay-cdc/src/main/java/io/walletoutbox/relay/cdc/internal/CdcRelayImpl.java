package io.walletoutbox.relay.cdc.internal;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.Relay;
import io.walletoutbox.relay.RelayMetrics;
import io.walletoutbox.relay.RelayTopics;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcSlots;
import io.walletoutbox.relay.internal.BatchSender;
import io.walletoutbox.relay.internal.ProducerSlot;
import io.walletoutbox.relay.internal.RelayHooks;
import io.walletoutbox.relay.internal.Traces;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Debezium's embedded engine in a supervisor thread (restarted after a back-off when it stops on an error,
 * for instance while another instance holds the slot) and publishes each batch of outbox messages before letting
 * the engine commit its offsets. The engine's settings are {@link EngineProperties}', the decoding of its change
 * events {@link ChangeEvents}', sending and parking a batch {@link CdcPublisher}'s.
 */
public final class CdcRelayImpl implements Relay {
    private static final Logger log = LoggerFactory.getLogger(CdcRelayImpl.class);

    private final DataSource dataSource;
    private final Producer<String, byte[]> producer;
    private final CdcConfig config;
    private final RelayMetrics metrics;
    private final CdcPublisher publisher;
    private final Object lock = new Object();
    private final AtomicReference<DebeziumEngine<ChangeEvent<String, String>>> engine = new AtomicReference<>();
    private final RelayHooks hooks;
    private final SlotAdvancer slotAdvancer;
    /** The prefix of this outbox's messages ({@code CdcConfig.tables()}); others in the WAL are not its events. */
    private final String messagePrefix;

    private Thread supervisor;
    private volatile boolean running;
    /** An {@link Error} that ended the relay: it stops for good, and {@link #isRunning()} says so. */
    private volatile Throwable fatal;
    /** The primary the engine last read from (supervisor thread only). */
    private PrimaryLocator.Primary lastPrimary;

    public CdcRelayImpl(
            DataSource dataSource, Producer<String, byte[]> producer, CdcConfig config, RelayMetrics metrics) {
        this(dataSource, producer, config, metrics, RelayHooks.NONE);
    }

    /**
     * A CDC relay with test {@code hooks}: {@link RelayHooks#afterAcks} runs after every event of a batch was
     * acknowledged or parked and before the batch's offsets are committed, with shard {@code -1} and the events'
     * WAL positions.
     */
    public CdcRelayImpl(
            DataSource dataSource,
            Producer<String, byte[]> producer,
            CdcConfig config,
            RelayMetrics metrics,
            RelayHooks hooks) {
        this.hooks = Objects.requireNonNull(hooks, "hooks");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        RelayTopics.requireSome(config.topics());
        this.publisher = new CdcPublisher(
                dataSource,
                config,
                metrics,
                new BatchSender(ProducerSlot.fixed(producer), config::policyOf, metrics, true, config.recordMapping()),
                () -> running,
                this::sleep);
        this.messagePrefix = config.tables().messagePrefix();
        this.slotAdvancer = new SlotAdvancer(dataSource, config.slotName(), config.instanceId());
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        // Before returning: whatever commits from now on is kept in the slot for this relay.
        CdcSlots.ensurePublication(dataSource, config);
        CdcSlots.ensureSlot(dataSource, config);
        EmitRights.warnIfPublicMayEmit(dataSource, config.instanceId());
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
                CdcSlots.ensurePublication(dataSource, config);
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
                        .using(EngineProperties.of(config, primary))
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
            sleep(Backoff.jitter(backoff));
            backoff = Backoff.next(backoff, config.maxRetryBackoff());
        }
    }

    private void handleBatch(
            List<ChangeEvent<String, String>> records,
            DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer)
            throws InterruptedException {
        var events = new ArrayList<StoredEvent>(records.size());
        for (var record : records) {
            try {
                StoredEvent event = ChangeEvents.parse(record.value(), messagePrefix);
                if (event != null) {
                    events.add(event);
                }
            } catch (ChangeEvents.Unreadable e) {
                // Not the writer's: skipping it loses no event, and stopping on it would let any role that may
                // emit halt every payment's publication.
                metrics.unreadable();
                log.warn("skipping a logical message that is no outbox event, never sent: {}", e.getMessage());
            }
        }
        if (!events.isEmpty()) {
            metrics.batchClaimed(events.size());
            // The polling relay's cycle span, made by its tracing class: both relays trace alike.
            Traces.Cycle batch = Traces.cycle("relay batch", "cdc");
            try {
                publisher.publish(events, batch);
                hooks.afterAcks(-1, events.stream().map(StoredEvent::position).toList());
            } catch (Error e) {
                // Recorded before Debezium sees it: however the engine reports it, the supervisor stops for good.
                fatal = e;
                batch.end(events.size(), 0, e);
                throw e;
            } catch (InterruptedException | RuntimeException e) {
                batch.end(events.size(), 0, e);
                throw e;
            }
            batch.end(events.size(), 0, null);
        }
        for (var record : records) {
            committer.markProcessed(record);
        }
        committer.markBatchFinished();
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
