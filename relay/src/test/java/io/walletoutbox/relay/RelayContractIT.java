package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.embedded.EmbeddedKafka;
import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.relay.internal.RelayHooks;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every relay (polling, CDC) must do, against a real PostgreSQL and a real Kafka broker. A subclass says how
 * to build its relay; each test gets a fresh database and fresh topics.
 */
abstract class RelayContractIT {
    /** Deadline of waits: generous, as CI machines are shared; a passing test never waits that long. */
    static final Duration LONG = Duration.ofMinutes(3);

    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

    RelayFixture fixture;

    /** A relay of the implementation under test over {@code jdbi}, not yet started. */
    protected abstract Relay newRelay(
            Jdbi jdbi, Producer<String, byte[]> producer, RelayConfig config, RelayMetrics metrics, RelayHooks hooks);

    @BeforeEach
    void setUp(TestInfo info) {
        fixture = new RelayFixture(getClass().getSimpleName() + "_"
                + info.getTestMethod().orElseThrow().getName());
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    static RelayConfig config(String instanceId) {
        return new RelayConfig(
                instanceId,
                2,
                200,
                Duration.ofMillis(5),
                Duration.ofMillis(200),
                Duration.ofSeconds(30),
                3,
                Duration.ofMillis(50),
                Duration.ofSeconds(1),
                Map.of());
    }

    /** Builds, registers for cleanup and starts a relay with its own pool and producer. */
    Relay start(
            RelayConfig config,
            String bootstrapServers,
            int deliveryTimeoutMs,
            RelayMetrics metrics,
            RelayHooks hooks) {
        Jdbi jdbi = Jdbi.create(fixture.pool(config.instanceId(), config.workers() + 1));
        Producer<String, byte[]> producer = new KafkaProducer<>(
                KafkaProducers.settings(bootstrapServers, config.instanceId(), deliveryTimeoutMs),
                new StringSerializer(),
                new ByteArraySerializer());
        Relay relay = newRelay(jdbi, producer, config, metrics, hooks);
        fixture.register(relay);
        relay.start();
        return relay;
    }

    Relay start(RelayConfig config) {
        return start(config, fixture.infra.bootstrapServers(), 20_000, RelayMetrics.NONE, RelayHooks.NONE);
    }

    static OutboxEvent event(String topic, String key, int seq) {
        return OutboxEvent.of("Thing", key, "ThingChanged", topic, "{\"key\":\"" + key + "\",\"seq\":" + seq + "}");
    }

    static int seq(ConsumerRecord<String, byte[]> record) {
        var m = SEQ.matcher(TopicReader.value(record));
        assertTrue(m.find(), "no seq in the value");
        return Integer.parseInt(m.group(1));
    }

    /**
     * Redeliveries after a failure are allowed (at least once), but each key's events must first arrive in outbox
     * order.
     */
    static void assertFirstDeliveriesInKeyOrder(List<ConsumerRecord<String, byte[]>> records) {
        var seen = new HashSet<UUID>();
        var last = new HashMap<String, Integer>();
        for (var record : records) {
            if (seen.add(TopicReader.ceId(record))) {
                int seq = seq(record);
                int previous = last.getOrDefault(record.key(), -1);
                assertTrue(seq > previous, "key " + record.key() + ": seq " + seq + " arrived after " + previous);
                last.put(record.key(), seq);
            }
        }
    }

    static List<UUID> ids(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(TopicReader::ceId).toList();
    }

    @Test
    void threeInstancesPublishEveryEventOnceWithEachKeyInOutboxOrder() {
        String topic = fixture.infra.newTopic("contract-order", 8);
        for (int i = 1; i <= 3; i++) {
            start(config("relay-" + i));
        }
        int keys = 200;
        int perKey = 50;
        var batch = new ArrayList<OutboxEvent>();
        for (int seq = 0; seq < perKey; seq++) {
            for (int k = 0; k < keys; k++) {
                batch.add(event(topic, "key-" + k, seq));
                if (batch.size() == 100) {
                    fixture.append(batch);
                    batch.clear();
                }
            }
        }
        int total = keys * perKey;
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            var records = reader.awaitCount(total, LONG);
            await(() -> fixture.backlog() == 0, LONG, "an empty outbox");
            // Every ack came before its row's delete, so with the outbox empty nothing more can arrive.
            assertEquals(total, reader.endOffsetTotal(), "records on the topic (a duplicate would add one)");
            assertEquals(total, new HashSet<>(ids(records)).size(), "distinct event ids");
            var lastSeq = new HashMap<String, Integer>();
            for (var record : records) {
                int seq = seq(record);
                int previous = lastSeq.getOrDefault(record.key(), -1);
                assertEquals(previous + 1, seq, "order of key " + record.key());
                lastSeq.put(record.key(), seq);
            }
            assertEquals(keys, lastSeq.size());
        }
    }

    @Test
    void eventCommittedAfterAHigherIdIsPublishedToo() {
        String topic = fixture.infra.newTopic("contract-late", 2);
        var config = OutboxConfig.DEFAULTS;
        String keyA = "late-a";
        String keyB = "late-b";
        for (int i = 0; config.shardOf(keyB) != config.shardOf(keyA); i++) {
            keyB = "late-b" + i; // same shard: the relay reads the very range where the gap is
        }
        start(config("relay-late"));
        OutboxEvent a = event(topic, keyA, 0);
        OutboxEvent b = event(topic, keyB, 0);
        try (Handle open = fixture.jdbi.open();
                var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            open.begin();
            fixture.writer.append(open, a);
            long positionA = open.createQuery("SELECT id FROM outbox_event WHERE event_id = :id")
                    .bind("id", a.id())
                    .mapTo(Long.class)
                    .one();
            fixture.append(List.of(b));
            assertTrue(positionA < fixture.positionOf(b), "a holds the lower id");
            reader.awaitUntil(r -> ids(r).contains(b.id()), LONG, "b");
            open.commit();
            var records = reader.awaitUntil(r -> ids(r).contains(a.id()), LONG, "a, committed after b");
            assertEquals(List.of(b.id(), a.id()), ids(records));
        }
        await(() -> fixture.backlog() == 0, LONG, "an empty outbox");
    }

    @Test
    void kafkaStoppedThenRestartedLosesNothingAndWritesGoOn(@TempDir Path dir) throws Exception {
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        EmbeddedKafka broker = fixture.register(EmbeddedKafka.start(dir, port));
        String bootstrap = broker.bootstrapServers();
        String topic = "contract-outage";
        try (var admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get();
        }
        var metrics = new RelayMeterBinder(OutboxAdmin.create(fixture.jdbi), Duration.ZERO, Clock.systemUTC());
        var registry = new SimpleMeterRegistry();
        metrics.bindTo(registry);
        start(config("relay-outage"), bootstrap, 5_000, metrics, RelayHooks.NONE);
        var before = new ArrayList<OutboxEvent>();
        for (int i = 0; i < 100; i++) {
            before.add(event(topic, "k" + (i % 10), i / 10));
        }
        fixture.append(before);
        try (var reader = new TopicReader(bootstrap, topic)) {
            reader.awaitCount(100, LONG);
        }
        await(() -> fixture.backlog() == 0, LONG, "the first events published");

        broker.close();
        var during = new ArrayList<OutboxEvent>();
        for (int i = 0; i < 100; i++) {
            OutboxEvent e = event(topic, "k" + (i % 10), 10 + i / 10);
            fixture.append(List.of(e)); // the outbox is the buffer: writes go on while Kafka is away
            during.add(e);
        }
        await(
                () -> registry.get("relay.failed")
                                .tag("kind", "retriable")
                                .counter()
                                .count()
                        > 0,
                LONG,
                "the relay to notice the outage");
        assertEquals(100, fixture.backlog(), "unacknowledged events stay in the outbox");

        EmbeddedKafka restarted = fixture.register(EmbeddedKafka.start(dir, port));
        try (var reader = new TopicReader(restarted.bootstrapServers(), topic)) {
            var expected = new HashSet<UUID>();
            before.forEach(e -> expected.add(e.id()));
            during.forEach(e -> expected.add(e.id()));
            var records = reader.awaitUntil(r -> new HashSet<>(ids(r)).containsAll(expected), LONG, "all 200");
            assertEquals(expected, new HashSet<>(ids(records)));
            assertFirstDeliveriesInKeyOrder(records);
        }
        await(() -> fixture.backlog() == 0, LONG, "an empty outbox");
        assertTrue(registry.get("relay.published").counter().count() >= 200);
    }

    @Test
    void relayCrashAfterAckPublishesTheBatchAgainAndLosesNothing() {
        String topic = fixture.infra.newTopic("contract-crash", 4);
        var crashed = new CopyOnWriteArrayList<Long>();
        var once = new AtomicBoolean();
        RelayHooks crashOnce = new RelayHooks() {
            @Override
            public void afterAcks(int shard, List<Long> ackedPositions) {
                if (!ackedPositions.isEmpty() && once.compareAndSet(false, true)) {
                    crashed.addAll(ackedPositions);
                    throw new IllegalStateException("simulated crash between ack and delete");
                }
            }
        };
        start(config("relay-crash"), fixture.infra.bootstrapServers(), 20_000, RelayMetrics.NONE, crashOnce);
        var events = new ArrayList<OutboxEvent>();
        for (int i = 0; i < 40; i++) {
            events.add(event(topic, "k" + (i % 4), i / 4));
        }
        fixture.append(events);
        await(() -> fixture.backlog() == 0, LONG, "an empty outbox");
        assertFalse(crashed.isEmpty(), "the hook crashed one cycle");
        int expected = events.size() + crashed.size();
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            var records = reader.awaitCount(expected, LONG);
            assertEquals(expected, reader.endOffsetTotal(), "each event of the crashed batch exactly twice");
            var all = new HashSet<UUID>();
            events.forEach(e -> all.add(e.id()));
            assertEquals(all, new HashSet<>(ids(records)), "nothing lost");
            assertFirstDeliveriesInKeyOrder(records);
        }
    }

    /** A topic on the shared broker that takes records of at most {@code maxMessageBytes}. */
    String smallTopic(String prefix, int maxMessageBytes) throws Exception {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (var admin = Admin.create(Map.of("bootstrap.servers", fixture.infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, 2, (short) 1)
                            .configs(Map.of("max.message.bytes", Integer.toString(maxMessageBytes)))))
                    .all()
                    .get();
        }
        return name;
    }

    /** A payload Kafka cannot compress below a few kilobytes. */
    static OutboxEvent tooLarge(String topic, String key, int seq) {
        var random = new java.util.Random(seq);
        var text = new StringBuilder();
        for (int i = 0; i < 8000; i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return OutboxEvent.of(
                "Thing",
                key,
                "ThingChanged",
                topic,
                "{\"key\":\"" + key + "\",\"seq\":" + seq + ",\"junk\":\"" + text + "\"}");
    }

    @Test
    void rejectedEventIsParkedAndUnderSkipLaterEventsOfItsKeyFlow() throws Exception {
        String topic = smallTopic("contract-skip", 1024);
        var registry = new SimpleMeterRegistry();
        var metrics = new RelayMeterBinder(fixture.admin, Duration.ZERO, Clock.systemUTC());
        metrics.bindTo(registry);
        start(config("relay-skip"), fixture.infra.bootstrapServers(), 20_000, metrics, RelayHooks.NONE);
        OutboxEvent e1 = event(topic, "k", 1);
        OutboxEvent e2 = tooLarge(topic, "k", 2);
        OutboxEvent e3 = event(topic, "k", 3);
        fixture.append(List.of(e1, e2, e3));
        long position = fixture.positionOf(e2);
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            var records = reader.awaitCount(2, LONG);
            assertEquals(List.of(e1.id(), e3.id()), ids(records), "the key's later event was not held back");
        }
        await(() -> fixture.admin.status().parked() == 1 && fixture.backlog() == 0, LONG, "e2 parked");
        var parked = fixture.admin.listParked(10, 0);
        assertEquals(1, parked.size());
        var p = parked.getFirst();
        assertEquals(position, p.id(), "parked under its outbox position");
        assertEquals(e2.id(), p.eventId());
        assertEquals(3, p.attempts());
        assertTrue(p.lastError().contains("RecordTooLarge"), p.lastError());
        assertTrue(p.payloadBytes() > 8000);
        assertEquals(List.of(), fixture.admin.listParked(10, p.id()), "next page");
        assertEquals(1.0, registry.get("relay.parked").counter().count());
        assertEquals(
                3.0,
                registry.get("relay.failed").tag("kind", "permanent").counter().count());
        assertEquals(1.0, registry.get("outbox.parked").gauge().value());

        assertFalse(fixture.admin.retry(position + 1000), "unknown id");
        assertFalse(fixture.admin.discard(position + 1000), "unknown id");
        assertTrue(fixture.admin.retry(position));
        assertEquals(position, fixture.positionOf(e2), "back at its old position");
        await(() -> registry.get("relay.parked").counter().count() == 2.0, LONG, "e2 parked again");
        await(() -> fixture.admin.status().parked() == 1, LONG, "e2 parked again");
        assertTrue(fixture.admin.discard(position));
        assertFalse(fixture.admin.discard(position), "gone");
        var status = fixture.admin.status();
        assertEquals(new OutboxAdmin.Status(0, Duration.ZERO, 0), status);
    }

    @Test
    void underBlockLaterEventsOfTheKeyWaitUntilTheParkedOneIsRetried() throws Exception {
        String topic = smallTopic("contract-block", 1024);
        String markers = fixture.infra.newTopic("contract-marker", 1);
        start(config("relay-block").withParkingPolicy(topic, ParkingPolicy.BLOCK));
        OutboxEvent b1 = event(topic, "k", 1);
        OutboxEvent b2 = tooLarge(topic, "k", 2);
        OutboxEvent b3 = event(topic, "k", 3);
        OutboxEvent other = event(topic, "other", 1);
        fixture.append(List.of(b1, b2, b3, other));
        long position = fixture.positionOf(b2);
        await(() -> fixture.admin.status().parked() == 1, LONG, "b2 parked");
        // A later event of the same key (so the same shard) on a SKIP topic: once it is out, the relay has read
        // that shard after the parking, and b3 was still held back.
        OutboxEvent marker = event(markers, "k", 4);
        fixture.append(List.of(marker));
        try (var markerReader = new TopicReader(fixture.infra.bootstrapServers(), markers)) {
            markerReader.awaitCount(1, LONG);
        }
        assertEquals(1, fixture.backlog(), "b3 waits in the outbox");
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            var records = reader.awaitCount(2, LONG);
            assertEquals(Set.of(b1.id(), other.id()), new HashSet<>(ids(records)), "other keys flow, b3 waits");
            assertEquals(2, reader.endOffsetTotal());

            try (var admin = Admin.create(Map.of("bootstrap.servers", fixture.infra.bootstrapServers()))) {
                var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                admin.incrementalAlterConfigs(Map.of(
                                resource,
                                List.of(new AlterConfigOp(
                                        new ConfigEntry("max.message.bytes", "1048576"), AlterConfigOp.OpType.SET))))
                        .all()
                        .get();
                await(() -> "1048576".equals(maxMessageBytes(admin, resource)), LONG, "the topic to take b2");
            }
            assertTrue(fixture.admin.retry(position));
            var all = reader.awaitCount(4, LONG);
            var keyK = all.stream().filter(r -> r.key().equals("k")).toList();
            assertEquals(List.of(b1.id(), b2.id(), b3.id()), ids(keyK), "the key's order kept");
        }
        await(() -> fixture.backlog() == 0, LONG, "an empty outbox");
        assertEquals(0, fixture.admin.status().parked());
    }

    private static String maxMessageBytes(Admin admin, ConfigResource resource) {
        try {
            return admin.describeConfigs(List.of(resource))
                    .all()
                    .get()
                    .get(resource)
                    .get("max.message.bytes")
                    .value();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
