package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.embedded.EmbeddedKafka;
import io.walletoutbox.embedded.LoopbackPorts;
import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.internal.RelayHooks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
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
 * What every relay (polling, CDC) must do, against a real PostgreSQL and a real Kafka broker: every event
 * published with each key in order by several instances, an event committed after a later-written one, a Kafka
 * outage. A subclass says how to build its relay, how events are written for it ({@link #outboxMode()}) and what
 * its backlog is ({@link #backlog()}); the scenarios and assertions are the same for every relay. Each test gets a
 * fresh database and fresh topics.
 */
abstract class RelayContractIT {
    /** Deadline of waits: generous, as CI machines are shared; a passing test never waits that long. */
    static final Duration LONG = Duration.ofMinutes(3);

    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

    RelayFixture fixture;

    /**
     * A relay of the implementation under test over {@code dataSource} (a pool of its own), not yet started. {@code
     * hooks} are the polling relay's test seams; a relay without such seams ignores them. By default the relay is
     * made by {@link #newRelay(Jdbi, java.util.function.Supplier, RelayConfig, RelayMetrics, RelayHooks)} over a Jdbi on the pool, for
     * relays whose API still takes a Jdbi.
     */
    protected Relay newRelay(
            javax.sql.DataSource dataSource,
            java.util.function.Supplier<Producer<String, byte[]>> producers,
            RelayConfig config,
            RelayMetrics metrics,
            RelayHooks hooks) {
        return newRelay(Jdbi.create(dataSource), producers, config, metrics, hooks);
    }

    /**
     * A relay of the implementation under test over {@code jdbi}, for relays whose API takes a Jdbi; not called when
     * {@link #newRelay(javax.sql.DataSource, java.util.function.Supplier, RelayConfig, RelayMetrics, RelayHooks)} is overridden.
     */
    protected Relay newRelay(
            Jdbi jdbi,
            java.util.function.Supplier<Producer<String, byte[]>> producers,
            RelayConfig config,
            RelayMetrics metrics,
            RelayHooks hooks) {
        throw new UnsupportedOperationException("override newRelay(DataSource, ...) or newRelay(Jdbi, ...)");
    }

    /** How the relay under test wants events written: {@link OutboxMode#TABLE} unless overridden. */
    protected OutboxMode outboxMode() {
        return OutboxMode.TABLE;
    }

    /**
     * Events committed and not yet acknowledged by Kafka. The polling relay's backlog is the outbox table; a relay
     * that leaves no table overrides this (for example: events written minus acknowledgements counted).
     */
    protected long backlog() {
        return fixture.backlog();
    }

    @BeforeEach
    void setUp(TestInfo info) {
        fixture = new RelayFixture(
                getClass().getSimpleName() + "_"
                        + info.getTestMethod().orElseThrow().getName(),
                outboxMode());
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    /** The tests' relay settings, without topics and without the sequence probe; set the topics and build. */
    static RelayConfigBuilder config(String instanceId) {
        return RelayConfig.builder(instanceId)
                .workers(2)
                .batchSize(200)
                .minPollInterval(Duration.ofMillis(5))
                .maxPollInterval(Duration.ofMillis(200))
                .stallTimeout(Duration.ofSeconds(30))
                .maxAttempts(3)
                .retryBackoff(Duration.ofMillis(50))
                .maxRetryBackoff(Duration.ofSeconds(1))
                .probeInterval(Duration.ZERO);
    }

    /** Builds, registers for cleanup and starts a relay with its own pool and producer. */
    Relay start(
            RelayConfig config,
            String bootstrapServers,
            int deliveryTimeoutMs,
            RelayMetrics metrics,
            RelayHooks hooks) {
        var pool = fixture.pool(config.instanceId(), config.workers() + 1);
        java.util.function.Supplier<Producer<String, byte[]>> producers = () -> new KafkaProducer<>(
                KafkaProducers.settings(bootstrapServers, config.instanceId(), deliveryTimeoutMs),
                new StringSerializer(),
                new ByteArraySerializer());
        Relay relay = newRelay(pool, producers, config, fixture.countingAcks(metrics), hooks);
        fixture.register(relay);
        relay.start();
        return relay;
    }

    /** Starts a relay (as {@link #start(RelayConfig, String, int, RelayMetrics, RelayHooks)}) metered into the result. */
    SimpleMeterRegistry startMetered(RelayConfig config, String bootstrapServers, int deliveryTimeoutMs) {
        var registry = new SimpleMeterRegistry();
        var metrics = new RelayMeterBinder(fixture.admin, Duration.ZERO, Clock.systemUTC());
        metrics.bindTo(registry);
        start(config, bootstrapServers, deliveryTimeoutMs, metrics, RelayHooks.NONE);
        return registry;
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

    static List<UUID> ids(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(TopicReader::ceId).toList();
    }

    /**
     * Whether a parked event of a {@link ParkingPolicy#BLOCK} topic, once retried, is published before the key's
     * later events (the polling relay held them back) or after them (the CDC relay cannot hold one key of the WAL
     * stream back, and the retry emits the event anew).
     */
    protected boolean retriedEventPrecedesTheKeysLaterEvents() {
        return true;
    }

    /** Lets {@code topic} take records of up to 1 MiB, and waits until the broker says so. */
    void raiseMaxMessageBytes(String topic) throws Exception {
        try (var admin = Admin.create(Map.of("bootstrap.servers", fixture.infra.bootstrapServers()))) {
            var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            admin.incrementalAlterConfigs(Map.of(
                            resource,
                            List.of(new AlterConfigOp(
                                    new ConfigEntry("max.message.bytes", "1048576"), AlterConfigOp.OpType.SET))))
                    .all()
                    .get();
            await(
                    () -> {
                        try {
                            return "1048576"
                                    .equals(admin.describeConfigs(List.of(resource))
                                            .all()
                                            .get()
                                            .get(resource)
                                            .get("max.message.bytes")
                                            .value());
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    LONG,
                    "the topic to take large records");
        }
    }

    /** {@code event} with its {@code createdAt} at the database's precision, so its expected record is exact. */
    static OutboxEvent atMicros(OutboxEvent e) {
        return new OutboxEvent(
                e.id(),
                e.aggregateType(),
                e.aggregateId(),
                e.type(),
                e.topic(),
                e.payload(),
                e.contentType(),
                e.headers(),
                e.createdAt().truncatedTo(ChronoUnit.MICROS));
    }

    /** A record's headers as (name, value) pairs, in order. */
    static List<Map.Entry<String, String>> headers(Iterable<Header> headers) {
        var list = new ArrayList<Map.Entry<String, String>>();
        headers.forEach(h -> list.add(Map.entry(h.key(), new String(h.value(), StandardCharsets.UTF_8))));
        return list;
    }

    /**
     * Parked events are retried and discarded through {@code OutboxAdmin} made for the relay's mode: a retried one
     * is published once, as the very record the relay would have sent the first time (key, value, {@code ce_*} and
     * its own headers); a discarded one never is; an unknown id is neither retried nor discarded. The topic is
     * {@link ParkingPolicy#BLOCK}, as the service's events topic; where the retried event lands among its key's
     * later events depends on the relay ({@link #retriedEventPrecedesTheKeysLaterEvents()}).
     */
    @Test
    void parkedEventRetriedIsPublishedOnceAsTheRelayWouldHaveAndADiscardedOneNever() throws Exception {
        String topic = smallTopic("contract-retry", 1024);
        start(config("relay-retry")
                .parkingPolicy(topic, ParkingPolicy.BLOCK)
                .topics(topic)
                .build());
        OutboxEvent r1 = event(topic, "k", 1);
        OutboxEvent r2 = atMicros(tooLarge(topic, "k", 2).withHeader("traceparent", "00-0af7651916cd43dd-01"));
        OutboxEvent r3 = event(topic, "k", 3);
        OutboxEvent d1 = tooLarge(topic, "d", 1);
        fixture.append(List.of(r1, r2, r3, d1));
        await(() -> fixture.admin.status().parked() == 2, LONG, "r2 and d1 parked");
        var parked = new HashMap<UUID, Long>();
        fixture.admin.listParked(10, 0).forEach(p -> parked.put(p.eventId(), p.id()));
        assertEquals(Set.of(r2.id(), d1.id()), parked.keySet());
        long unknown = Collections.max(parked.values()) + 1;
        assertFalse(fixture.admin.retry(unknown), "unknown id");
        assertFalse(fixture.admin.discard(unknown), "unknown id");

        raiseMaxMessageBytes(topic);
        assertTrue(fixture.admin.discard(parked.get(d1.id())));
        // In the caller's transaction, as the service audits it.
        boolean retried = fixture.jdbi.inTransaction(h -> fixture.admin.retry(h.getConnection(), parked.get(r2.id())));
        assertTrue(retried);
        assertFalse(fixture.admin.retry(parked.get(r2.id())), "retried once");
        assertEquals(0, fixture.admin.status().parked());
        // The key of the discarded event goes on; once this later event is out, nothing of d1 can follow.
        OutboxEvent d2 = event(topic, "d", 2);
        fixture.append(List.of(d2));
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            var records = reader.awaitUntil(
                    r -> new HashSet<>(ids(r)).containsAll(Set.of(r1.id(), r2.id(), r3.id(), d2.id())),
                    LONG,
                    "r1, r2, r3 and d2");
            assertEquals(4, records.size(), "each once, d1 never: " + ids(records));
            assertEquals(4, reader.endOffsetTotal());
            var keyK = records.stream().filter(r -> r.key().equals("k")).toList();
            assertEquals(
                    retriedEventPrecedesTheKeysLaterEvents()
                            ? List.of(r1.id(), r2.id(), r3.id())
                            : List.of(r1.id(), r3.id(), r2.id()),
                    ids(keyK));

            var published = keyK.stream()
                    .filter(r -> TopicReader.ceId(r).equals(r2.id()))
                    .findFirst()
                    .orElseThrow();
            var expected = OutboxRecords.toRecord(new OutboxRecords.StoredEvent(
                    0,
                    r2.id(),
                    r2.aggregateType(),
                    r2.aggregateId(),
                    r2.type(),
                    r2.topic(),
                    r2.payload(),
                    r2.contentType(),
                    r2.headers(),
                    r2.createdAt()));
            assertEquals(expected.key(), published.key());
            assertArrayEquals(expected.value(), published.value());
            assertEquals(headers(expected.headers()), headers(published.headers()));
        }
        assertEquals(new OutboxAdmin.Status(0, Duration.ZERO, 0), fixture.admin.status());
    }

    /**
     * An event naming a topic that is not one of the relay's is never sent, whoever wrote it (a row, a logical
     * message with the outbox's prefix): it is parked at once, counted in {@code relay.foreign.topic}, and the
     * relay's own topic flows on. "Never" is proved by order, not by waiting: an event of the same key written after
     * it arrives, and the relay keeps a key's order, so by then it has passed the foreign one. An operator's retry
     * brings the event back to the relay, which parks it again; a discard ends it.
     */
    @Test
    void eventNamingAForeignTopicIsParkedAndCountedButNeverPublished() {
        String topic = fixture.infra.newTopic("contract-own", 1);
        // The foreign topic exists, and the relay's Kafka principal could write to it.
        String foreign = fixture.infra.newTopic("contract-foreign", 1);
        var registry =
                startMetered(config("relay-foreign").topics(topic).build(), fixture.infra.bootstrapServers(), 20_000);
        var refused = registry.get("relay.foreign.topic").counter();
        OutboxEvent forged = event(foreign, "k", 1);
        OutboxEvent first = event(topic, "k", 2);
        fixture.append(List.of(forged));
        fixture.append(List.of(first));
        try (var own = new TopicReader(fixture.infra.bootstrapServers(), topic);
                var theirs = new TopicReader(fixture.infra.bootstrapServers(), foreign)) {
            own.awaitUntil(r -> ids(r).contains(first.id()), LONG, "the event written after the forged one");
            assertEquals(0, theirs.endOffsetTotal(), "nothing on the foreign topic");
            assertEquals(1.0, refused.count());
            await(() -> fixture.admin.status().parked() == 1, LONG, "the forged event parked");
            var parked = fixture.admin.listParked(10, 0).getFirst();
            assertEquals(forged.id(), parked.eventId());
            assertEquals(foreign, parked.topic());
            assertEquals(0, parked.attempts(), "never sent");
            assertTrue(
                    parked.lastError().contains("not one of the relay's topics [" + topic + "]"), parked.lastError());
            assertEquals(0.0, registry.get("relay.parked").counter().count(), "not a rejection");

            assertTrue(fixture.admin.retry(parked.id()));
            OutboxEvent second = event(topic, "k", 3);
            fixture.append(List.of(second));
            own.awaitUntil(r -> ids(r).contains(second.id()), LONG, "the event written after the retry");
            assertEquals(0, theirs.endOffsetTotal(), "nothing on the foreign topic after the retry either");
            assertEquals(2.0, refused.count(), "refused again");
            await(() -> fixture.admin.status().parked() == 1, LONG, "the retried event parked again");
            assertEquals(List.of(first.id(), second.id()), ids(own.records()));
            assertTrue(fixture.admin.discard(
                    fixture.admin.listParked(10, 0).getFirst().id()));
        }
        await(() -> fixture.admin.status().equals(new OutboxAdmin.Status(0, Duration.ZERO, 0)), LONG, "nothing left");
    }

    /** A relay is made for its topics: a configuration that names none is refused. */
    @Test
    void relayWithoutTopicsIsRefused() {
        var refusal = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> newRelay(
                        fixture.dataSource,
                        org.apache.kafka.clients.producer.MockProducer::new,
                        config("relay-no-topics").build(),
                        RelayMetrics.NONE,
                        RelayHooks.NONE));
        assertTrue(refusal.getMessage().contains("topics"), refusal.getMessage());
    }

    /** A relay that cannot reach Kafka keeps retrying and counts as running: liveness must not fail for that. */
    @Test
    void relayWaitingForAnUnreachableKafkaIsStillRunning() throws Exception {
        int port = LoopbackPorts.free(); // nothing listens there
        var failures = new AtomicInteger();
        RelayMetrics counting = new RelayMetrics() {
            @Override
            public void failed(boolean permanent) {
                failures.incrementAndGet();
            }
        };
        Relay relay = start(
                config("relay-away").topics("contract-away").build(),
                "127.0.0.1:" + port,
                3_000,
                counting,
                RelayHooks.NONE);
        fixture.append(List.of(event("contract-away", "k", 1)));
        await(() -> failures.get() >= 2, LONG, "two failed sends");
        assertTrue(relay.isRunning(), "waiting on Kafka is running");
        relay.close();
        assertFalse(relay.isRunning(), "a closed relay does not run");
    }

    /** An {@link Error} inside the relay's publishing (here from a test seam) stops it for good: it says so. */
    @Test
    void relayWhosePublishingDiedOnAnErrorIsNoLongerRunning() {
        String topic = fixture.infra.newTopic("contract-dies", 1);
        Relay relay = start(
                config("relay-dies").topics(topic).build(),
                fixture.infra.bootstrapServers(),
                20_000,
                RelayMetrics.NONE,
                new RelayHooks() {
                    @Override
                    public void afterAcks(int shard, List<Long> ackedPositions) {
                        throw new SimulatedFatalError();
                    }
                });
        assertTrue(relay.isRunning());
        fixture.append(List.of(event(topic, "k", 1)));
        await(() -> !relay.isRunning(), LONG, "the relay to report that it died");
    }

    /** Stands for an {@code OutOfMemoryError} or the like. */
    static final class SimulatedFatalError extends Error {
        SimulatedFatalError() {
            super("simulated fatal error in the relay");
        }
    }

    @Test
    void threeInstancesPublishEveryEventOnceWithEachKeyInOutboxOrder() {
        String topic = fixture.infra.newTopic("contract-order", 8);
        for (int i = 1; i <= 3; i++) {
            start(config("relay-" + i).topics(topic).build());
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
            await(() -> backlog() == 0, LONG, "an empty outbox");
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
        start(config("relay-late").topics(topic).build());
        OutboxEvent a = event(topic, keyA, 0);
        OutboxEvent b = event(topic, keyB, 0);
        try (Handle open = fixture.jdbi.open();
                var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            open.begin();
            fixture.appendIn(open, a); // a is written first (for the polling relay: the lower id) ...
            fixture.append(List.of(b)); // ... and b commits first
            reader.awaitUntil(r -> ids(r).contains(b.id()), LONG, "b");
            open.commit();
            var records = reader.awaitUntil(r -> ids(r).contains(a.id()), LONG, "a, committed after b");
            assertEquals(List.of(b.id(), a.id()), ids(records));
        }
        await(() -> backlog() == 0, LONG, "an empty outbox");
    }

    /**
     * Kafka goes away and comes back under load. Two topics: one pipelined ({@link ParkingPolicy#SKIP}), one sent
     * per key in sequence ({@link ParkingPolicy#BLOCK}, as the service's events topic); both lose nothing and keep
     * each key's first deliveries in outbox order.
     */
    @Test
    void kafkaStoppedThenRestartedLosesNothingAndWritesGoOn(@TempDir Path dir) throws Exception {
        int port = LoopbackPorts.free();
        EmbeddedKafka broker = fixture.register(EmbeddedKafka.start(dir, port));
        String bootstrap = broker.bootstrapServers();
        List<String> topics = List.of("contract-outage", "contract-outage-block");
        try (var admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(topics.stream()
                            .map(t -> new NewTopic(t, 4, (short) 1))
                            .toList())
                    .all()
                    .get();
        }
        var registry = startMetered(
                config("relay-outage")
                        .parkingPolicy(topics.get(1), ParkingPolicy.BLOCK)
                        .topics(Set.copyOf(topics))
                        .build(),
                bootstrap,
                5_000);
        var before = new ArrayList<OutboxEvent>();
        for (int i = 0; i < 100; i++) {
            for (String topic : topics) {
                before.add(event(topic, "k" + (i % 10), i / 10));
            }
        }
        fixture.append(before);
        for (String topic : topics) {
            try (var reader = new TopicReader(bootstrap, topic)) {
                reader.awaitCount(100, LONG);
            }
        }
        await(() -> backlog() == 0, LONG, "the first events published");

        broker.close();
        var during = new ArrayList<OutboxEvent>();
        for (int i = 0; i < 100; i++) {
            for (String topic : topics) {
                OutboxEvent e = event(topic, "k" + (i % 10), 10 + i / 10);
                fixture.append(List.of(e)); // the outbox is the buffer: writes go on while Kafka is away
                during.add(e);
            }
        }
        await(
                () -> registry.get("relay.failed")
                                .tag("kind", "retriable")
                                .counter()
                                .count()
                        > 0,
                LONG,
                "the relay to notice the outage");
        assertEquals(200, backlog(), "unacknowledged events stay in the outbox");

        EmbeddedKafka restarted = fixture.register(EmbeddedKafka.start(dir, port));
        for (String topic : topics) {
            try (var reader = new TopicReader(restarted.bootstrapServers(), topic)) {
                var expected = new HashSet<UUID>();
                before.stream().filter(e -> e.topic().equals(topic)).forEach(e -> expected.add(e.id()));
                during.stream().filter(e -> e.topic().equals(topic)).forEach(e -> expected.add(e.id()));
                var records = reader.awaitUntil(
                        r -> new HashSet<>(ids(r)).containsAll(expected), LONG, "all 200 of " + topic);
                assertEquals(expected, new HashSet<>(ids(records)));
                assertFirstDeliveriesInKeyOrder(records);
            }
        }
        await(() -> backlog() == 0, LONG, "an empty outbox");
        assertTrue(registry.get("relay.published").counter().count() >= 400);
    }
}
