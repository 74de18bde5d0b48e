package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.relay.internal.OutboxVacuum;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A relay configured with {@code OutboxTables.of("shop", "shop_")} publishes from {@code shop.shop_outbox_event},
 * leases {@code shop.shop_outbox_shard}, parks in {@code shop.shop_outbox_parked}, and leaves the default tables of
 * the same database alone. The prefixed tables are made by the library's own migration for those tables ({@code
 * OutboxSchema.migrate}), next to the default ones.
 */
class PrefixedTablesIT {
    private static final OutboxTables SHOP = OutboxTables.of("shop", "shop_");
    private static final String TOPIC = "shop-orders";

    private RelayFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new RelayFixture("prefixed_tables");
        OutboxSchema.migrate(fixture.dataSource, OutboxConfig.DEFAULTS.withTables(SHOP));
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void cyclesPublishFromThePrefixedTablesAndParkForeignRowsThere() {
        List<UUID> shopEvents = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            shopEvents.add(insert("shop.shop_outbox_event", TOPIC, "order-1", i));
        }
        UUID foreign = insert("shop.shop_outbox_event", "not-the-relays", "order-9", 0);
        UUID elsewhere = insert("public.outbox_event", TOPIC, "order-1", 99);
        var producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        // BLOCK renders the held-key predicate too, naming the prefixed tables.
        var config = RelayConfig.builder("shop-relay")
                .tables(SHOP)
                .topics(TOPIC)
                .parkingPolicy(TOPIC, ParkingPolicy.BLOCK)
                .build();

        try (PublishingCycle cycle = PollingRelay.cycle(fixture.dataSource, producer, config, RelayMetrics.NONE)) {
            for (int i = 0; i < 100 && !cycle.runOnce().idle(); i++) {
                // each cycle leases shards of shop.shop_outbox_shard and deletes what Kafka acknowledged
            }
            assertEquals(0, cycle.publishable(), "nothing publishable left in the shop's outbox");
        }

        assertEquals(shopEvents, eventIds(producer.history()), "the shop's events, in the key's order");
        assertEquals(0, count("shop.shop_outbox_event"));
        assertEquals(1, count("shop.shop_outbox_parked"), "the foreign row parked in the shop's parked table");
        assertEquals(
                foreign,
                fixture.jdbi.withHandle(h -> h.createQuery("SELECT event_id FROM shop.shop_outbox_parked")
                        .mapTo(UUID.class)
                        .one()));
        assertEquals(1, count("public.outbox_event"), "the default outbox is not this relay's");
        assertEquals(0, count("public.outbox_parked"));
        assertFalse(eventIds(producer.history()).contains(elsewhere));
        assertFalse(
                new OutboxVacuum(fixture.dataSource, "shop-vacuum", SHOP).vacuumIfNeeded(),
                "the vacuum keeper reads the prefixed table's statistics (nothing to do)");
    }

    @Test
    void aRunningRelaySeesEventsOfThePrefixedOutboxThroughItsSequence() {
        var producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        // Idle polling once a minute: only the probe of shop.shop_outbox_event's id sequence finds the event in time.
        var config = RelayConfig.builder("shop-relay-running")
                .tables(SHOP)
                .topics(TOPIC)
                .workers(1)
                .minPollInterval(Duration.ofMinutes(1))
                .maxPollInterval(Duration.ofMinutes(1))
                .probeInterval(Duration.ofMillis(5))
                .build();
        try (Relay relay = PollingRelay.create(
                fixture.pool("shop-relay", config.workers() + 2), producer, config, RelayMetrics.NONE)) {
            UUID first = insert("shop.shop_outbox_event", TOPIC, "order-1", 0);
            relay.start();
            await(() -> count("shop.shop_outbox_event") == 0, Duration.ofSeconds(30), "the first event published");
            // The probe reads the prefixed table's sequence (and has read it before the next insert, which it then
            // sees move); the worker found nothing more and waits a minute now: only the probe can wake it in time.
            await(
                    () -> fixture.jdbi.withHandle(
                            h -> h.createQuery("""
                                    SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                                                   WHERE datname = current_database()
                                                     AND query = 'SELECT last_value FROM shop.shop_outbox_event_id_seq')
                                    """).mapTo(Boolean.class).one()),
                    Duration.ofSeconds(30),
                    "the probe to read shop.shop_outbox_event's id sequence");
            insert("public.outbox_event", TOPIC, "order-x", 0);
            UUID second = insert("shop.shop_outbox_event", TOPIC, "order-1", 1);
            await(() -> count("shop.shop_outbox_event") == 0, Duration.ofSeconds(30), "the second event published");
            assertEquals(List.of(first, second), eventIds(producer.history()));
            assertTrue(relay.isRunning());
        }
        assertEquals(1, count("public.outbox_event"), "the default outbox is not this relay's");
    }

    /** Inserts an event into {@code table} with plain SQL (the writer is not this test's subject). */
    private UUID insert(String table, String topic, String key, int seq) {
        UUID id = UUID.randomUUID();
        fixture.jdbi.useHandle(h -> h.createUpdate("INSERT INTO " + table
                        + " (event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload, created_at)"
                        + " VALUES (:id, :shard, 'order', :key, 'order.changed', :topic, :payload, now())")
                .bind("id", id)
                .bind("shard", OutboxConfig.DEFAULTS.shardOf(key))
                .bind("key", key)
                .bind("topic", topic)
                .bind("payload", "{\"seq\":" + seq + "}")
                .execute());
        return id;
    }

    private long count(String table) {
        return fixture.jdbi.withHandle(h ->
                h.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
    }

    private static List<UUID> eventIds(List<ProducerRecord<String, byte[]>> records) {
        return records.stream()
                .map(r -> UUID.fromString(new String(
                        r.headers().lastHeader(OutboxRecords.EVENT_ID_HEADER).value(), StandardCharsets.UTF_8)))
                .toList();
    }
}
