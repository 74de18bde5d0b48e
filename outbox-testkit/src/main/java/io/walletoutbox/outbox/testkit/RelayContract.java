package io.walletoutbox.outbox.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.PollingRelay;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMetrics;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.Test;

/**
 * The relay's promises, checked against your outbox and your relay configuration: extend it in a test class
 * (named {@code …IT} or {@code …Test} as your build runs it) and say where the outbox is ({@link #outbox()}) and
 * how your relay is configured ({@link #relayConfig()}). Each scenario writes events of fresh keys on the first of
 * the configuration's topics, publishes them with the polling relay and asserts what was sent; events of other
 * keys already in the outbox are published along but not asserted on. Records go to a {@link RecordingProducer}
 * unless {@link #producer()} says otherwise (a real Kafka producer, which the scenarios leave open). Each test
 * runs on JUnit's thread and leaves no parked event of its own behind.
 *
 * <p>This is the part of the project's own relay contract test that needs no broker under the test's control (the
 * project's version also stops and restarts Kafka).
 */
public abstract class RelayContract {
    /** How long a scenario waits for a background relay; a passing test never waits that long. */
    protected static final Duration DEADLINE = Duration.ofMinutes(1);

    /** For a subclass, which names the outbox ({@link #outbox()}) and the configuration it checks. */
    protected RelayContract() {}

    /**
     * The outbox database your relay publishes from: migrated, in {@link OutboxMode#TABLE}, shared by the tests.
     *
     * @return the outbox database
     */
    protected abstract DataSource outbox();

    /**
     * Your relay's configuration; the scenarios use its first topic, its {@code maxAttempts}, its policies and its
     * tables.
     *
     * @return the relay's configuration, with at least one topic
     */
    protected abstract RelayConfig relayConfig();

    /**
     * The outbox's configuration (its shard count and tables), as your writer has it. Default: {@link
     * OutboxConfig#DEFAULTS}'s shards in the relay configuration's tables.
     *
     * @return the outbox's configuration
     */
    protected OutboxConfig outboxConfig() {
        return OutboxConfig.DEFAULTS.withTables(relayConfig().tables());
    }

    /**
     * Where the scenarios send records, asked once per scenario; the scenario leaves it open. Default: a new {@link
     * RecordingProducer}. The parking scenario always uses a {@link RecordingProducer}, to make Kafka reject a record.
     *
     * @return a producer for one scenario
     */
    protected Producer<String, byte[]> producer() {
        return new RecordingProducer();
    }

    /**
     * Three relay instances in the background publish 50 events of 5 keys (10 transactions), each key's first
     * deliveries in commit order.
     */
    @Test
    public void everyEventIsPublishedWithEachKeyInCommitOrderByThreeRelayInstances() {
        String topic = topic();
        var written = new LinkedHashMap<String, List<UUID>>();
        try (var kit = kit(producer())) {
            for (int i = 0; i < 3; i++) {
                kit.startRelay(
                        relayConfig().toBuilder().instanceId("contract-" + i).build());
            }
            OutboxWriter writer = writer();
            var keys = new ArrayList<String>();
            for (int k = 0; k < 5; k++) {
                keys.add("contract-" + UUID.randomUUID());
            }
            for (int tx = 0; tx < 10; tx++) {
                var events = new ArrayList<OutboxEvent>();
                for (String key : keys) {
                    OutboxEvent e = event(topic, key, tx);
                    events.add(e);
                    written.computeIfAbsent(key, x -> new ArrayList<>()).add(e.id());
                }
                inTransaction(c -> events.forEach(e -> writer.append(c, e)));
            }
            written.values().forEach(ids -> ids.forEach(id -> kit.awaitPublished(id, DEADLINE)));
            assertEquals(written, firstDeliveriesByKey(kit.sent(), written), "each key's first deliveries in order");
        }
    }

    /**
     * An event whose transaction commits after a later-written event was published is published too, and the
     * published one not again.
     */
    @Test
    public void eventCommittedAfterAnEventWrittenLaterIsPublishedToo() {
        String topic = topic();
        OutboxWriter writer = writer();
        OutboxEvent first = event(topic, "contract-late-" + UUID.randomUUID(), 0);
        OutboxEvent second = event(topic, "contract-late-" + UUID.randomUUID(), 0);
        try (var kit = kit(producer());
                Connection open = outbox().getConnection()) {
            open.setAutoCommit(false);
            writer.append(open, first); // written first ...
            inTransaction(c -> writer.append(c, second)); // ... committed second
            assertTrue(ids(kit.drain()).contains(second.id()), "the committed event");
            open.commit();
            writer.committed();
            open.setAutoCommit(true);
            List<UUID> late = ids(kit.drain());
            assertTrue(late.contains(first.id()), "the event committed late, after a later one was published");
            assertFalse(late.contains(second.id()), "the earlier one is not published again");
        } catch (java.sql.SQLException e) {
            throw Jdbc.failed("the late commit's transaction", e);
        }
    }

    /**
     * A record rejected {@code maxAttempts} times is parked; the key's next event is published under {@code SKIP},
     * and under {@code BLOCK} only once the parked one is discarded.
     */
    @Test
    public void recordRejectedMaxAttemptsTimesIsParkedAndItsKeyFollowsTheTopicsPolicy() {
        String topic = topic();
        String key = "contract-parked-" + UUID.randomUUID();
        OutboxEvent rejected = event(topic, key, 0);
        OutboxEvent next = event(topic, key, 1);
        var recording = new RecordingProducer();
        try (var kit = kit(recording)) {
            kit.drain(); // whatever was there before, so the next send is the rejected event's
            OutboxWriter writer = writer();
            inTransaction(c -> writer.append(c, rejected));
            recording.failNext(relayConfig().maxAttempts());
            assertFalse(ids(kit.drain()).contains(rejected.id()), "a rejected record is never acknowledged");
            AssertionError parked = assertThrows(AssertionError.class, kit::assertNoParked);
            assertTrue(parked.getMessage().contains(rejected.id().toString()), parked.getMessage());

            inTransaction(c -> writer.append(c, next));
            boolean blocks = relayConfig().policyOf(topic) == ParkingPolicy.BLOCK;
            assertEquals(
                    !blocks,
                    ids(kit.drain()).contains(next.id()),
                    "the key's next event under " + (blocks ? "BLOCK" : "SKIP"));
            // Discarded as OutboxAdmin.discard does it, in the relay configuration's tables.
            NamedSql discard =
                    NamedSql.of(relayConfig().tables().render("DELETE FROM {outbox_parked} WHERE event_id = :eventId"));
            inTransaction(c -> {
                discard.on(c).bind("eventId", rejected.id()).execute();
            });
            if (blocks) {
                assertEquals(List.of(next.id()), ids(kit.drain()), "released by discarding the parked one");
            }
        }
    }

    /**
     * A relay configured without topics is refused when made.
     */
    @Test
    public void relayWithoutTopicsIsRefused() {
        RelayConfig none = RelayConfig.builder("contract-no-topics").build();
        var refusal = assertThrows(
                IllegalArgumentException.class,
                () -> PollingRelay.create(outbox(), new RecordingProducer(), none, RelayMetrics.NONE));
        assertTrue(refusal.getMessage().contains("topics"), refusal.getMessage());
    }

    private OutboxTestKit kit(Producer<String, byte[]> producer) {
        return OutboxTestKit.builder(outbox())
                .relayConfig(relayConfig())
                .producer(producer)
                .drainTimeout(DEADLINE)
                .build();
    }

    private OutboxWriter writer() {
        return OutboxWriter.create(outboxConfig(), OutboxMode.TABLE, () -> {});
    }

    /** Work on a connection, in one committed transaction. */
    @FunctionalInterface
    private interface InTransaction {
        void run(Connection connection) throws java.sql.SQLException;
    }

    private void inTransaction(InTransaction work) {
        Jdbc.inTransaction(outbox(), "a contract scenario's transaction", c -> {
            work.run(c);
            return null;
        });
    }

    private String topic() {
        return relayConfig().topics().iterator().next();
    }

    private static OutboxEvent event(String topic, String key, int seq) {
        return OutboxEvent.of("contract", key, "contract.event", topic, "{\"seq\":" + seq + "}");
    }

    private static List<UUID> ids(List<SentRecord> records) {
        return records.stream().map(SentRecord::eventId).toList();
    }

    /** Each of {@code keys}' records of {@code sent}, first deliveries only, by key in the order sent. */
    private static Map<String, List<UUID>> firstDeliveriesByKey(List<SentRecord> sent, Map<String, ?> keys) {
        var byKey = new LinkedHashMap<String, List<UUID>>();
        keys.keySet().forEach(k -> byKey.put(k, new ArrayList<>()));
        for (SentRecord r : sent) {
            List<UUID> ids = byKey.get(r.key());
            if (ids != null && !ids.contains(r.eventId())) {
                ids.add(r.eventId());
            }
        }
        return byKey;
    }
}
