package io.walletoutbox.outbox.testkit;

import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.testkit.internal.AckLog;
import io.walletoutbox.outbox.testkit.internal.AckRecordingProducer;
import io.walletoutbox.outbox.testkit.internal.OutboxQueries;
import io.walletoutbox.relay.PollingRelay;
import io.walletoutbox.relay.PublishingCycle;
import io.walletoutbox.relay.Relay;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;

/**
 * Publishes a test's outbox events deterministically and asserts on the outcome, without sleeps. Made by {@link
 * #builder(DataSource)}; one kit per test (or per test class), closed at its end.
 *
 * <ul>
 *   <li>{@link #drain()} runs the polling relay's publishing cycle on the test's thread until every committed event
 *       was published (or parked), and returns what was sent;
 *   <li>{@link #awaitPublished(UUID, Duration)} waits, with a deadline, for a relay running in the background
 *       ({@link #startRelay()}, or one given {@link #relayProducer()}) to publish an event;
 *   <li>{@link #assertNoParked()} fails when events were parked.
 * </ul>
 *
 * <p>Records go to the producer given to the builder (a real Kafka producer, or a {@link RecordingProducer}, the
 * default); the kit sees their acknowledgements through a wrapper, and never closes a producer it was given. The
 * outbox is the one the service writes to in {@link OutboxMode#TABLE}, in the tables of the relay configuration
 * ({@link RelayConfig#tables()}); its schema must have been migrated. The kit needs no Jdbi: it works on plain JDBC.
 */
public final class OutboxTestKit implements AutoCloseable {
    private final DataSource dataSource;
    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final Duration drainTimeout;
    private final Producer<String, byte[]> producer;
    private final boolean ownsProducer;
    private final AckLog acks = new AckLog();
    private final AckLog drained = new AckLog();
    private final PublishingCycle cycle;
    private final OutboxQueries queries;
    private final List<Relay> relays = new ArrayList<>();

    private OutboxTestKit(OutboxTestKitBuilder b, RelayConfig config) {
        this.dataSource = b.dataSource;
        this.config = config;
        this.metrics = b.metrics;
        this.drainTimeout = b.drainTimeout;
        this.ownsProducer = b.producer == null;
        this.producer = ownsProducer ? new RecordingProducer() : b.producer;
        this.cycle = PollingRelay.cycle(dataSource, new AckRecordingProducer(producer, drained), config, metrics);
        this.queries = new OutboxQueries(dataSource, config.tables());
    }

    /**
     * A builder of a kit over {@code outbox}, the database the service's relay takes (the outbox's tables migrated,
     * {@link OutboxMode#TABLE}); each drain cycle and query takes a connection of it. The relay's topics, or its whole
     * configuration, must be set next; the tables, when they are not the defaults, with {@link
     * OutboxTestKitBuilder#tables} or in the configuration.
     *
     * @param outbox the outbox database, the caller's pool (the kit never closes it)
     * @return a new builder
     */
    public static OutboxTestKitBuilder builder(DataSource outbox) {
        return new OutboxTestKitBuilder(outbox);
    }

    static OutboxTestKit build(OutboxTestKitBuilder b, RelayConfig config) {
        return new OutboxTestKit(b, config);
    }

    /**
     * Publishes everything committed to the outbox so far and returns what was sent and acknowledged by this call,
     * in acknowledgement order, so each key's records in the order the relay publishes them (its outbox order). Runs
     * on the calling thread: one publishing cycle after the other, each in a transaction of its own, as the relay
     * does them but with no back-off and no idle wait, until a cycle finds nothing and the outbox holds no
     * publishable event (parked events, and under {@code BLOCK} the events waiting behind a parked one, are not
     * publishable; events of transactions still open are not visible yet). A record the producer rejects is tried
     * again in the next cycle and parked at {@link RelayConfig#maxAttempts()}, which ends its part in the drain.
     *
     * <p>It waits only while a relay running beside the kit holds shards with events (checking every millisecond).
     *
     * @return the records acknowledged during this call, perhaps none
     * @throws AssertionError when events are still left after the drain timeout (Kafka away, a relay beside the kit
     *     holding its shards that long); the message says how many
     */
    public synchronized List<SentRecord> drain() {
        int mark = drained.size();
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (true) {
            PublishingCycle.Outcome outcome = cycle.runOnce();
            if (outcome.idle()) {
                long left = cycle.publishable();
                if (left == 0) {
                    return drained.since(mark);
                }
                // Shards leased by a relay running beside the kit: wait for it to let them go.
                LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("drain() did not finish within " + drainTimeout + ": "
                        + cycle.publishable() + " publishable events are still in the outbox, "
                        + drained.since(mark).size() + " were published");
            }
        }
    }

    /**
     * Every record acknowledged through this kit so far, by {@link #drain()} and by the relays it started or handed
     * {@link #relayProducer()}, in acknowledgement order. Duplicates (an event published again after a relay
     * crashed between the ack and the delete) appear twice.
     *
     * @return an unmodifiable snapshot of the records
     */
    public List<SentRecord> sent() {
        var all = new ArrayList<>(drained.since(0));
        all.addAll(acks.since(0));
        return List.copyOf(all);
    }

    /**
     * Waits until event {@code eventId} was published by a relay running in the background: acknowledged and
     * deleted from the outbox (the relay's commit). Returns at once for an event {@link #drain()} published.
     * Checks the outbox at least every 10 ms and at each acknowledgement seen, never longer than {@code timeout}.
     * An event is recognised as published when the kit saw its acknowledgement (relays from {@link #startRelay()} or
     * given {@link #relayProducer()}), or when it saw the event in the outbox during this wait and then saw it gone
     * without being parked (any other relay).
     *
     * @param eventId the event's id ({@code OutboxEvent.id()})
     * @param timeout the longest wait
     * @throws AssertionError naming the event when it was parked, or when it was not published within {@code
     *     timeout} (with what the outbox says of it: still waiting with its last error, or not there at all)
     */
    public void awaitPublished(UUID eventId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean seen = false;
        while (true) {
            boolean acked = acks.contains(eventId) || drained.contains(eventId);
            OutboxQueries.Whereabouts where = queries.whereabouts(eventId);
            if (where.parked()) {
                throw new AssertionError("event " + eventId + " was parked instead of published: " + where);
            }
            if (!where.inOutbox() && (acked || seen)) {
                return;
            }
            seen |= where.inOutbox();
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("event " + eventId + " was not published within " + timeout + ": "
                        + (where.inOutbox()
                                ? where.toString()
                                : "it is not in the outbox and no acknowledgement of it was seen"
                                        + " (an unknown id, or an event not committed)"));
            }
            try {
                acks.awaitNext(Duration.ofMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for event " + eventId, e);
            }
        }
    }

    /**
     * Fails when the outbox holds parked events, listing each (outbox id, event id, topic, key, attempts, last
     * error). Reads the parked table ({@code outbox_parked} in the kit's tables) on a connection of its own.
     *
     * @throws AssertionError listing the parked events
     */
    public void assertNoParked() {
        List<OutboxQueries.Parked> parked = queries.parked();
        if (parked.isEmpty()) {
            return;
        }
        var message = new StringBuilder(parked.size() + " parked event(s) in the outbox:");
        for (OutboxQueries.Parked p : parked) {
            message.append("\n  id ")
                    .append(p.id())
                    .append(", event ")
                    .append(p.eventId())
                    .append(", topic ")
                    .append(p.topic())
                    .append(", key ")
                    .append(p.aggregateId())
                    .append(", attempts ")
                    .append(p.attempts())
                    .append(", last error: ")
                    .append(p.lastError());
        }
        throw new AssertionError(message.toString());
    }

    /**
     * A view of the kit's producer for a relay the test builds itself: the kit sees its acknowledgements (for
     * {@link #awaitPublished}, {@link #sent()}); closing it, as relays do, leaves the producer open.
     *
     * @return a new view of the kit's producer
     */
    public Producer<String, byte[]> relayProducer() {
        return new AckRecordingProducer(producer, acks);
    }

    /**
     * Starts a polling relay in the background ({@link PollingRelay#create}, its worker threads) with the kit's
     * configuration, producer and metrics; the kit closes it on {@link #close()}. For tests of code that runs while
     * events are being published; pair it with {@link #awaitPublished}.
     *
     * @return the started relay
     */
    public Relay startRelay() {
        return startRelay(config);
    }

    /**
     * As {@link #startRelay()}, with {@code config} instead of the kit's configuration: another instance id, to run
     * several instances side by side as production does, or other settings. A {@code config} with the default
     * tables publishes from the kit's tables.
     *
     * @param config the started relay's configuration
     * @return the started relay
     * @throws NullPointerException when {@code config} is null
     */
    public synchronized Relay startRelay(RelayConfig config) {
        Objects.requireNonNull(config, "config");
        RelayConfig withTables = config.tables().equals(OutboxTables.DEFAULTS)
                ? config.toBuilder().tables(this.config.tables()).build()
                : config;
        Relay relay = PollingRelay.create(dataSource, relayProducer(), withTables, metrics);
        relays.add(relay);
        relay.start();
        return relay;
    }

    /**
     * The relay configuration the kit publishes with.
     *
     * @return the configuration, with the kit's tables
     */
    public RelayConfig relayConfig() {
        return config;
    }

    /**
     * The producer records go to: the one given to the builder, else the kit's own {@link RecordingProducer}.
     *
     * @return the producer
     */
    public Producer<String, byte[]> producer() {
        return producer;
    }

    /**
     * Closes the relays the kit started, and the producer when the kit made it; a producer given to the builder
     * stays open. Leaves the outbox as it is.
     */
    @Override
    public synchronized void close() {
        relays.reversed().forEach(Relay::close);
        relays.clear();
        cycle.close();
        if (ownsProducer) {
            producer.close();
        }
    }
}
