package io.walletoutbox.outbox.testkit;

import static io.walletoutbox.outbox.testkit.OutboxDatabase.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.relay.RelayConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The kit against a real PostgreSQL outbox, publishing to a {@link RecordingProducer}. */
class OutboxTestKitIT {
    private static final String TOPIC = "orders";

    private OutboxDatabase db;
    private RecordingProducer producer;
    private OutboxTestKit kit;

    @BeforeEach
    void setUp(TestInfo info) {
        db = new OutboxDatabase("testkit_" + info.getTestMethod().orElseThrow().getName());
        producer = new RecordingProducer();
        kit = OutboxTestKit.builder(db.dataSource)
                .relayConfig(RelayConfig.builder("kit-it")
                        .topics(TOPIC)
                        .maxAttempts(3)
                        .batchSize(4)
                        .build())
                .producer(producer)
                .drainTimeout(Duration.ofSeconds(20))
                .build();
    }

    @AfterEach
    void tearDown() {
        kit.close();
        db.close();
    }

    @Test
    void drainReturnsEachKeysEventsInTheOrderTheyWereCommitted() {
        var written = new LinkedHashMap<String, List<UUID>>();
        // Three keys, interleaved over several transactions, more events than one batch (4) or round can carry.
        for (int tx = 0; tx < 4; tx++) {
            var events = new ArrayList<OutboxEvent>();
            for (String key : List.of("a", "b", "c")) {
                for (int i = 0; i < 2; i++) {
                    OutboxEvent e = event(TOPIC, key, tx * 2 + i);
                    events.add(e);
                    written.computeIfAbsent(key, k -> new ArrayList<>()).add(e.id());
                }
            }
            db.commit(events);
        }

        List<SentRecord> sent = kit.drain();

        assertEquals(24, sent.size());
        assertEquals(written, idsByKey(sent), "each key's events in commit order");
        assertEquals(0, db.backlog(), "drain() returns after the relay deleted what it published");
        assertEquals(sent, producer.sent(), "drain() returns what the producer acknowledged");
        SentRecord first = sent.getFirst();
        assertEquals(TOPIC, first.topic());
        assertEquals("order.changed", first.header("ce_type"));
        assertEquals(first.eventId().toString(), first.header("ce_id"));
        assertTrue(first.valueAsString().startsWith("{\"key\":\"" + first.key() + "\""), first.valueAsString());
    }

    @Test
    void drainAfterNothingWasCommittedReturnsNothing() {
        assertEquals(List.of(), kit.drain());
        db.commit(List.of(event(TOPIC, "a", 0)));
        assertEquals(1, kit.drain().size());
        assertEquals(List.of(), kit.drain(), "a second drain finds nothing left");
        assertEquals(1, producer.history().size());
    }

    @Test
    void eventOfATransactionStillOpenIsNotDrainedUntilItCommits() {
        OutboxEvent committed = event(TOPIC, "a", 0);
        OutboxEvent pending = event(TOPIC, "a", 1);
        db.commit(List.of(committed));
        try (Handle open = db.jdbi.open()) {
            open.begin();
            db.writer.append(open, pending);

            assertEquals(List.of(committed.id()), ids(kit.drain()));

            open.commit();
        }
        assertEquals(List.of(pending.id()), ids(kit.drain()));
    }

    @Test
    void rejectedRecordIsParkedAfterMaxAttemptsAndAssertNoParkedNamesIt() {
        OutboxEvent rejected = event(TOPIC, "a", 0);
        OutboxEvent other = event(TOPIC, "b", 0);
        db.commit(List.of(rejected));
        producer.failNext(3);

        assertEquals(List.of(), kit.drain(), "nothing was acknowledged");

        assertEquals(3, producer.attempted().size(), "one send per cycle until maxAttempts (3)");
        assertEquals(0, producer.failuresLeft());
        AssertionError error = assertThrows(AssertionError.class, kit::assertNoParked);
        assertTrue(error.getMessage().contains(rejected.id().toString()), error.getMessage());
        assertTrue(error.getMessage().contains("topic " + TOPIC + ", key a, attempts 3"), error.getMessage());
        assertTrue(error.getMessage().contains("RecordTooLargeException"), error.getMessage());
        db.commit(List.of(other));
        assertEquals(List.of(other.id()), ids(kit.drain()), "the parked event does not hold up the rest");
        AssertionError parked =
                assertThrows(AssertionError.class, () -> kit.awaitPublished(rejected.id(), Duration.ofSeconds(5)));
        assertTrue(parked.getMessage().contains("was parked"), parked.getMessage());
    }

    @Test
    void assertNoParkedPassesWhenEverythingWasPublished() {
        db.commit(List.of(event(TOPIC, "a", 0)));
        kit.drain();
        kit.assertNoParked();
    }

    @Test
    void awaitPublishedOnAnUnknownIdTimesOutNamingIt() {
        UUID unknown = UUID.randomUUID();
        long start = System.nanoTime();

        AssertionError error =
                assertThrows(AssertionError.class, () -> kit.awaitPublished(unknown, Duration.ofMillis(300)));

        assertTrue(System.nanoTime() - start >= Duration.ofMillis(300).toNanos(), "waited the whole timeout");
        assertTrue(
                error.getMessage().startsWith("event " + unknown + " was not published within PT0.3S"),
                error.getMessage());
        assertTrue(error.getMessage().contains("not in the outbox"), error.getMessage());
    }

    @Test
    void awaitPublishedReturnsOnceARelayInTheBackgroundPublishedTheEvent() {
        kit.startRelay();
        OutboxEvent e = event(TOPIC, "a", 0);
        db.commit(List.of(e));

        kit.awaitPublished(e.id(), Duration.ofSeconds(30));

        assertEquals(0, db.backlog(), "acknowledged and deleted");
        assertEquals(List.of(e.id()), ids(kit.sent()));
    }

    @Test
    void builderRefusesAKitWithoutTopicsOrWithBothTopicsAndAConfiguration() {
        assertThrows(
                IllegalStateException.class,
                () -> OutboxTestKit.builder(db.dataSource).build());
        assertThrows(
                IllegalStateException.class,
                () -> OutboxTestKit.builder(db.dataSource)
                        .topics(TOPIC)
                        .relayConfig(kit.relayConfig())
                        .build());
        assertThrows(
                IllegalArgumentException.class,
                () -> OutboxTestKit.builder(db.dataSource)
                        .topics(TOPIC)
                        .drainTimeout(Duration.ZERO)
                        .build());
    }

    @Test
    void aKitOverPrefixedTablesDrainsThemAndNamesTheirParkedEvents() {
        var shop = OutboxTables.of("shop", "shop_");
        // The prefixed tables as copies of the default ones (the writer is not this test's subject).
        db.jdbi.useHandle(h -> {
            h.execute("CREATE SCHEMA shop");
            for (String table : List.of("outbox_event", "outbox_shard", "outbox_parked")) {
                h.execute("CREATE TABLE shop.shop_" + table + " (LIKE public." + table + " INCLUDING ALL)");
            }
            h.execute("INSERT INTO shop.shop_outbox_shard SELECT * FROM public.outbox_shard");
        });
        UUID published = insert("shop.shop_outbox_event", TOPIC, "a");
        UUID foreign = insert("shop.shop_outbox_event", "not-the-kits", "b");
        UUID elsewhere = insert("public.outbox_event", TOPIC, "c");
        var recording = new RecordingProducer();
        try (var shopKit = OutboxTestKit.builder(db.dataSource)
                .topics(TOPIC)
                .tables(shop)
                .producer(recording)
                .build()) {
            assertEquals(shop, shopKit.relayConfig().tables());
            assertEquals(List.of(published), ids(shopKit.drain()));
            AssertionError parked = assertThrows(AssertionError.class, shopKit::assertNoParked);
            assertTrue(parked.getMessage().contains(foreign.toString()), parked.getMessage());
            AssertionError notPublished =
                    assertThrows(AssertionError.class, () -> shopKit.awaitPublished(foreign, Duration.ofSeconds(5)));
            assertTrue(notPublished.getMessage().contains("was parked"), notPublished.getMessage());
            shopKit.awaitPublished(published, Duration.ofSeconds(5));
        }
        assertEquals(1, db.backlog(), "the default outbox is not the shop kit's");
        assertEquals(List.of(elsewhere), ids(kit.drain()));
        assertThrows(
                IllegalStateException.class,
                () -> OutboxTestKit.builder(db.dataSource)
                        .relayConfig(RelayConfig.builder("x")
                                .topics(TOPIC)
                                .tables(OutboxTables.of("other", null))
                                .build())
                        .tables(shop)
                        .build(),
                "tables that contradict the relay configuration's");
    }

    private UUID insert(String table, String topic, String key) {
        UUID id = UUID.randomUUID();
        db.jdbi.useHandle(h -> h.createUpdate("INSERT INTO " + table
                        + " (event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload, created_at)"
                        + " VALUES (:id, :shard, 'order', :key, 'order.changed', :topic, '{}', now())")
                .bind("id", id)
                .bind("shard", OutboxConfig.DEFAULTS.shardOf(key))
                .bind("key", key)
                .bind("topic", topic)
                .execute());
        return id;
    }

    static List<UUID> ids(List<SentRecord> records) {
        return records.stream().map(SentRecord::eventId).toList();
    }

    static Map<String, List<UUID>> idsByKey(List<SentRecord> records) {
        var byKey = new LinkedHashMap<String, List<UUID>>();
        records.forEach(
                r -> byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.eventId()));
        return byKey;
    }
}
