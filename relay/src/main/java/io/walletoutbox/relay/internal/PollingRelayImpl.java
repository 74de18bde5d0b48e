package io.walletoutbox.relay.internal;

import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import io.walletoutbox.relay.PublishingCycle;
import io.walletoutbox.relay.Relay;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMetrics;
import io.walletoutbox.relay.RelayTopics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link RelayConfig#workers()} publishing loops on virtual threads. A loop goes again at once while it
 * finds work; when idle it waits, doubling the wait up to the maximum poll interval, unless {@link #wakeUp()}
 * ends the wait early (one waiting worker per wake-up; a woken worker starts its idle back-off again from the
 * minimum, so an event whose commit lands just after the wake-up is seen soon too). After a failure it backs off
 * exponentially with jitter.
 *
 * <p>With a {@link RelayConfig#probeInterval()}, a probe on its own virtual thread reads the outbox's id sequence
 * at that interval while a worker is idle and wakes one when the value moved: events written by another process
 * (whose commit cannot call {@link #wakeUp()}) are seen within about the interval. A sequence moves at {@code
 * nextval}, before the writer commits, and needs no lock: nothing is added to the writer's transaction.
 */
public final class PollingRelayImpl implements Relay {
    private static final Logger log = LoggerFactory.getLogger(PollingRelayImpl.class);

    /** After the id sequence moved, the probe wakes a worker again this long after the move, then doubling. */
    private static final long ECHO_FIRST_NANOS = Duration.ofMillis(1).toNanos();

    private final DataSource dataSource;
    private final ShardPublisher publisher;
    private final ProducerSlot producers;
    private final RelayConfig config;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    /** Back-off sleeps wait here, not on {@link #work}: a wake-up meant for an idle worker must not be spent. */
    private final Condition stopping = lock.newCondition();

    private final List<Thread> threads = new ArrayList<>();
    private long wakeUps;
    private volatile boolean running;

    /** The probe's lookup of the outbox's id sequence, for this relay's tables. */
    private final NamedSql sequenceOf;

    public PollingRelayImpl(
            DataSource dataSource, ShardPublisher publisher, ProducerSlot producers, RelayConfig config) {
        this.dataSource = dataSource;
        this.publisher = publisher;
        this.producers = producers;
        this.config = config;
        this.sequenceOf = NamedSql.of(config.tables().render("SELECT pg_get_serial_sequence('{outbox_event}', 'id')"));
    }

    /** A polling relay with test {@code hooks} inside its publishing cycle. */
    public static Relay create(
            DataSource dataSource,
            Producer<String, byte[]> producer,
            RelayConfig config,
            RelayMetrics metrics,
            RelayHooks hooks) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(producer, "producer");
        Objects.requireNonNull(config, "config");
        RelayTopics.requireSome(config.topics());
        return create(dataSource, ProducerSlot.fixed(producer), config, metrics, hooks);
    }

    /**
     * A polling relay that makes its producers with {@code producers}: it pipelines a blocking key's events and
     * replaces a producer it had to discard (see {@link BatchSender}).
     */
    public static Relay create(
            DataSource dataSource,
            Supplier<? extends Producer<String, byte[]>> producers,
            RelayConfig config,
            RelayMetrics metrics,
            RelayHooks hooks) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(producers, "producers");
        Objects.requireNonNull(config, "config");
        RelayTopics.requireSome(config.topics()); // before the first producer is made
        return create(dataSource, ProducerSlot.renewable(producers), config, metrics, hooks);
    }

    /** One publishing cycle on demand, on the caller's thread (see {@link PublishingCycle}). */
    public static PublishingCycle cycle(
            DataSource dataSource, Producer<String, byte[]> producer, RelayConfig config, RelayMetrics metrics) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(producer, "producer");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(metrics, "metrics");
        RelayTopics.requireSome(config.topics());
        ProducerSlot slot = ProducerSlot.fixed(producer);
        var publisher = new ShardPublisher(dataSource, slot, config, metrics, RelayHooks.NONE);
        var reader = new ShardLeaseReader(config);
        return new PublishingCycle() {
            @Override
            public Outcome runOnce() {
                ShardPublisher.Outcome outcome = publisher.publishOnce();
                return new Outcome(outcome.claimed(), outcome.published(), outcome.failed());
            }

            @Override
            public long publishable() {
                try (Connection connection = dataSource.getConnection()) {
                    return reader.publishable(connection);
                } catch (SQLException e) {
                    throw Jdbc.failed("relay " + config.instanceId() + ": counting publishable events", e);
                }
            }

            @Override
            public void close() {
                slot.close(Duration.ofSeconds(5));
            }
        };
    }

    private static Relay create(
            DataSource dataSource, ProducerSlot producer, RelayConfig config, RelayMetrics metrics, RelayHooks hooks) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(hooks, "hooks");
        return new PollingRelayImpl(
                dataSource, new ShardPublisher(dataSource, producer, config, metrics, hooks), producer, config);
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        for (int i = 0; i < config.workers(); i++) {
            threads.add(Thread.ofVirtual()
                    .name("relay-" + config.instanceId() + "-" + i)
                    .start(this::work));
        }
        if (config.probeInterval().isPositive()) {
            threads.add(Thread.ofVirtual()
                    .name("relay-" + config.instanceId() + "-probe")
                    .start(this::probe));
        }
        log.info("polling relay {} started with {} workers", config.instanceId(), config.workers());
    }

    @Override
    public void wakeUp() {
        signal();
    }

    /** Counts a wake-up and wakes one waiting worker. */
    private void signal() {
        lock.lock();
        try {
            wakeUps++;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The probe: reads the id sequence every probe interval and wakes a worker when it moved (busy workers see the
     * wake-up when their cycle ends and go again). The sequence moves at the writer's insert, before its commit,
     * so after a move the probe wakes a worker again at doubling delays (1, 2, 4 … ms since the move, up to the
     * maximum poll interval), which finds an event whose commit came after the first wake-up. It keeps one pooled
     * connection and one prepared statement for this. A failed read (database away) is retried after the retry
     * back-off on a new connection; the workers' own polling goes on.
     */
    private void probe() {
        long last = Long.MIN_VALUE;
        long movedAt = 0;
        long echo = Long.MAX_VALUE;
        long echoLimit = config.maxPollInterval().toNanos();
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                String sequence = sequenceOf.on(connection).one(rs -> rs.getString(1));
                try (PreparedStatement read = connection.prepareStatement("SELECT last_value FROM " + sequence)) {
                    while (running) {
                        long value;
                        try (ResultSet rs = read.executeQuery()) {
                            rs.next();
                            value = rs.getLong(1);
                        }
                        long now = System.nanoTime();
                        if (last != Long.MIN_VALUE && value != last) {
                            wakeUp();
                            movedAt = now;
                            echo = ECHO_FIRST_NANOS;
                        } else if (echo <= echoLimit && now - movedAt >= echo) {
                            wakeUp();
                            echo *= 2;
                        }
                        last = value;
                        sleep(config.probeInterval());
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("relay {}: sequence probe failed: {}", config.instanceId(), e.toString());
                sleep(config.retryBackoff());
            }
        }
    }

    @Override
    public synchronized boolean isRunning() {
        if (!running) {
            return false;
        }
        for (Thread t : threads) {
            if (!t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** A worker: {@link #loop()} until closed. Only an {@link Error} ends it early, and the relay is then dead. */
    private void work() {
        try {
            loop();
        } catch (Throwable e) {
            log.error(
                    "relay {}: worker {} died; the relay no longer runs (restart the process)",
                    config.instanceId(),
                    Thread.currentThread().getName(),
                    e);
        }
    }

    private void loop() {
        Duration idle = config.minPollInterval();
        Duration backoff = config.retryBackoff();
        while (running) {
            long seen = wakeUpCount();
            try {
                ShardPublisher.Outcome outcome = publisher.publishOnce();
                if (outcome.failed() > 0) {
                    sleep(jitter(backoff));
                    backoff = min(backoff.multipliedBy(2), config.maxRetryBackoff());
                    continue;
                }
                backoff = config.retryBackoff();
                if (outcome.claimed() > 0) {
                    idle = config.minPollInterval();
                    if (outcome.backlog()) {
                        // A full batch means a backlog: get one more idle worker going (it does the same when it
                        // finds a backlog too). Not all of them: while every shard with events is leased, each
                        // woken worker's lease finds nothing, and that empty lease costs the database a scan of
                        // every shard, the database being what limits a drain.
                        signal();
                    }
                    continue;
                }
                if (awaitWork(seen, idle)) {
                    // Woken: what woke it may be committing only now, so look again soon.
                    idle = config.minPollInterval();
                } else {
                    idle = min(idle.multipliedBy(2), config.maxPollInterval());
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn(
                        "relay {} publish cycle failed, backing off {}: {}",
                        config.instanceId(),
                        backoff,
                        e.toString());
                sleep(jitter(backoff));
                backoff = min(backoff.multipliedBy(2), config.maxRetryBackoff());
            }
        }
    }

    private long wakeUpCount() {
        lock.lock();
        try {
            return wakeUps;
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} for a wake-up after the {@code seen}-th; true when one came. */
    private boolean awaitWork(long seen, Duration timeout) {
        lock.lock();
        try {
            long nanos = timeout.toNanos();
            while (running && wakeUps == seen && nanos > 0) {
                nanos = work.awaitNanos(nanos);
            }
            return wakeUps != seen;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void sleep(Duration d) {
        lock.lock();
        try {
            long nanos = d.toNanos();
            while (running && nanos > 0) {
                nanos = stopping.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private static Duration jitter(Duration d) {
        long ms = Math.max(1, d.toMillis());
        return Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (!running) {
                producers.close(Duration.ofSeconds(5));
                return;
            }
            running = false;
        }
        lock.lock();
        try {
            work.signalAll();
            stopping.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread t : threads) {
            try {
                if (!t.join(Duration.ofSeconds(30))) {
                    t.interrupt();
                    t.join(Duration.ofSeconds(5));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        producers.close(Duration.ofSeconds(5));
        log.info("polling relay {} stopped", config.instanceId());
    }
}
