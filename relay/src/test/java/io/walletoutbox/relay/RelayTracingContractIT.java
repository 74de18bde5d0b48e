package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.internal.RelayHooks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The relays' spans (docs/tracing.md), the same for every relay, against a real PostgreSQL and Kafka with an
 * OpenTelemetry SDK registered in the test: the writer's {@code create} span is what the row stores and the record
 * carries; each record's {@code publish} span is its child and ends at the broker's answer (the offset known);
 * the cycle's root span is linked to every record's stored context. Without an SDK nothing is traced and the
 * records carry the stored {@code traceparent} as before. A subclass says how to build its relay.
 */
abstract class RelayTracingContractIT {
    static final Duration LONG = Duration.ofMinutes(3);
    static final String GIVEN = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    RelayFixture fixture;
    InMemorySpanExporter exported;

    /**
     * A relay of the implementation under test over {@code dataSource} (a pool of its own), not yet started. {@code
     * hooks} are the polling relay's test seams; a relay without such seams ignores them. By default the relay is
     * made by {@link #newRelay(Jdbi, Supplier, RelayConfig, RelayMetrics, RelayHooks)} over a Jdbi on the pool, for
     * relays whose API still takes a Jdbi.
     */
    protected Relay newRelay(
            javax.sql.DataSource dataSource,
            Supplier<Producer<String, byte[]>> producers,
            RelayConfig config,
            RelayMetrics metrics,
            RelayHooks hooks) {
        return newRelay(Jdbi.create(dataSource), producers, config, metrics, hooks);
    }

    /**
     * A relay of the implementation under test over {@code jdbi}, for relays whose API takes a Jdbi; not called when
     * {@link #newRelay(javax.sql.DataSource, Supplier, RelayConfig, RelayMetrics, RelayHooks)} is overridden.
     */
    protected Relay newRelay(
            Jdbi jdbi,
            Supplier<Producer<String, byte[]>> producers,
            RelayConfig config,
            RelayMetrics metrics,
            RelayHooks hooks) {
        throw new UnsupportedOperationException("override newRelay(DataSource, ...) or newRelay(Jdbi, ...)");
    }

    /** How the relay under test wants events written. */
    protected abstract OutboxMode outboxMode();

    /** The name of the relay's cycle span: {@code relay cycle} or {@code relay batch}. */
    protected abstract String cycleSpanName();

    /** The relay's {@code walletoutbox.relay.mode}. */
    protected abstract String relayMode();

    @BeforeEach
    void setUp(TestInfo info) {
        GlobalOpenTelemetry.resetForTest();
        fixture = new RelayFixture(
                getClass().getSimpleName() + "_"
                        + info.getTestMethod().orElseThrow().getName(),
                outboxMode());
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            fixture.close();
        } finally {
            GlobalOpenTelemetry.resetForTest();
        }
    }

    /** Registers an SDK that keeps every ended span in {@link #exported}. */
    void registerSdk() {
        exported = InMemorySpanExporter.create();
        OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(exported))
                        .build())
                .buildAndRegisterGlobal();
    }

    void start(RelayConfig config) {
        var pool = fixture.pool(config.instanceId(), config.workers() + 1);
        Supplier<Producer<String, byte[]>> producers = () -> new KafkaProducer<>(
                KafkaProducers.settings(fixture.infra.bootstrapServers(), config.instanceId(), 20_000),
                new StringSerializer(),
                new ByteArraySerializer());
        Relay relay = newRelay(pool, producers, config, fixture.countingAcks(RelayMetrics.NONE), RelayHooks.NONE);
        fixture.register(relay);
        relay.start();
    }

    @Test
    void publishSpanIsTheChildOfTheStoredCreateSpanEndsAtTheAckAndTheCycleIsLinkedToIt() {
        registerSdk();
        String topic = fixture.infra.newTopic("trace", 2);
        start(RelayContractIT.config("relay-trace").topics(topic).build());
        OutboxEvent a = RelayContractIT.event(topic, "a", 1);
        OutboxEvent b = RelayContractIT.event(topic, "b", 2);
        Span request = GlobalOpenTelemetry.getTracer("test")
                .spanBuilder("POST /things")
                .setSpanKind(SpanKind.SERVER)
                .startSpan();
        try (Scope ignored = request.makeCurrent()) {
            fixture.append(List.of(a, b));
        } finally {
            request.end();
        }
        // No span current: the event's own traceparent is the create span's parent.
        OutboxEvent c = RelayContractIT.event(topic, "c", 3).withHeader("traceparent", GIVEN);
        fixture.append(List.of(c));

        List<ConsumerRecord<String, byte[]>> records;
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            records = reader.awaitCount(3, LONG);
        }
        await(() -> spans("publish " + topic).size() >= 3, LONG, "three publish spans");
        var creates = spans("create " + topic).stream()
                .collect(Collectors.toMap(s -> attr(s, "messaging.message.id"), s -> s));
        for (var record : records) {
            UUID id = TopicReader.ceId(record);
            SpanData create = creates.get(id.toString());
            assertNotNull(create, "create span of " + id);
            assertEquals(SpanKind.PRODUCER, create.getKind());
            assertEquals(traceparent(create.getSpanContext()), TopicReader.header(record, "traceparent"));
            SpanData publish = publishOf(topic, id);
            assertEquals(SpanKind.PRODUCER, publish.getKind());
            assertEquals(create.getSpanContext().getTraceId(), publish.getTraceId());
            assertEquals(create.getSpanId(), publish.getParentSpanId());
            assertEquals("kafka", attr(publish, "messaging.system"));
            assertEquals("send", attr(publish, "messaging.operation.type"));
            assertEquals("publish", attr(publish, "messaging.operation.name"));
            assertEquals(topic, attr(publish, "messaging.destination.name"));
            assertEquals(record.key(), attr(publish, "messaging.kafka.message.key"));
            // Known only from the broker's acknowledgement: the span ended in the send's callback.
            assertEquals(Integer.toString(record.partition()), attr(publish, "messaging.destination.partition.id"));
            assertEquals(record.offset(), publish.getAttributes().get(AttributeKey.longKey("messaging.kafka.offset")));
            Long waited = publish.getAttributes().get(AttributeKey.longKey("walletoutbox.outbox.wait_ms"));
            assertTrue(waited != null && waited >= 0, "wait_ms " + waited);
            assertEquals(StatusCode.UNSET, publish.getStatus().getStatusCode());
            assertTrue(publish.getEndEpochNanos() >= publish.getStartEpochNanos());
        }
        SpanData createA = creates.get(a.id().toString());
        assertEquals(request.getSpanContext().getTraceId(), createA.getTraceId());
        assertEquals(request.getSpanContext().getSpanId(), createA.getParentSpanId());
        SpanData createC = creates.get(c.id().toString());
        assertEquals(GIVEN.substring(3, 35), createC.getTraceId());
        assertEquals(GIVEN.substring(36, 52), createC.getParentSpanId());

        Set<String> stored =
                creates.values().stream().map(s -> ids(s.getSpanContext())).collect(Collectors.toSet());
        await(() -> linked().containsAll(stored), LONG, "cycle spans linked to every record");
        for (SpanData cycle : spans(cycleSpanName())) {
            assertEquals(SpanKind.INTERNAL, cycle.getKind());
            assertFalse(cycle.getParentSpanContext().isValid(), "a cycle is a trace of its own");
            assertNotEquals(createA.getTraceId(), cycle.getTraceId());
            assertEquals(relayMode(), attr(cycle, "walletoutbox.relay.mode"));
            long count = cycle.getAttributes().get(AttributeKey.longKey("messaging.batch.message_count"));
            assertTrue(count >= cycle.getLinks().size() && count > 0, "message count " + count);
        }
    }

    @Test
    void rejectedRecordsPublishSpanEndsWithTheErrorAndItsException() throws Exception {
        registerSdk();
        String topic = smallTopic("trace-reject", 1024);
        start(RelayContractIT.config("relay-trace-reject").topics(topic).build());
        OutboxEvent large = RelayContractIT.tooLarge(topic, "k", 1);
        fixture.append(List.of(large));
        await(
                () -> spans("publish " + topic).stream()
                        .anyMatch(s -> s.getStatus().getStatusCode() == StatusCode.ERROR),
                LONG,
                "a failed publish span");
        SpanData failed = spans("publish " + topic).stream()
                .filter(s -> s.getStatus().getStatusCode() == StatusCode.ERROR)
                .findFirst()
                .orElseThrow();
        assertEquals(large.id().toString(), attr(failed, "messaging.message.id"));
        assertNotNull(attr(failed, "error.type"));
        assertTrue(failed.getEvents().stream().anyMatch(e -> e.getName().equals("exception")), "exception recorded");
        assertNull(failed.getAttributes().get(AttributeKey.longKey("messaging.kafka.offset")));
    }

    @Test
    void withoutAnSdkRecordsCarryTheStoredTraceparentAndNoneIsRegistered() {
        String topic = fixture.infra.newTopic("trace-off", 1);
        start(RelayContractIT.config("relay-trace-off").topics(topic).build());
        OutboxEvent given = RelayContractIT.event(topic, "k", 1).withHeader("traceparent", GIVEN);
        OutboxEvent none = RelayContractIT.event(topic, "k", 2);
        fixture.append(List.of(given, none));
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            var records = reader.awaitCount(2, LONG);
            Map<UUID, String> traceparents = records.stream()
                    .collect(Collectors.toMap(
                            TopicReader::ceId, r -> String.valueOf(TopicReader.header(r, "traceparent"))));
            assertEquals(Map.of(given.id(), GIVEN, none.id(), "null"), traceparents);
        }
        assertFalse(GlobalOpenTelemetry.isSet(), "the libraries never register the no-op themselves");
    }

    List<SpanData> spans(String name) {
        return exported.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name))
                .toList();
    }

    SpanData publishOf(String topic, UUID id) {
        var found = spans("publish " + topic).stream()
                .filter(s -> id.toString().equals(attr(s, "messaging.message.id")))
                .toList();
        assertEquals(1, found.size(), "publish spans of " + id);
        return found.getFirst();
    }

    /** The trace and span ids ({@link #ids}) every cycle span so far is linked to. */
    Set<String> linked() {
        return spans(cycleSpanName()).stream()
                .flatMap(s -> s.getLinks().stream())
                .map(l -> ids(l.getSpanContext()))
                .collect(Collectors.toSet());
    }

    static String ids(SpanContext context) {
        return context.getTraceId() + "/" + context.getSpanId();
    }

    static String attr(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    static String traceparent(SpanContext context) {
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-"
                + context.getTraceFlags().asHex();
    }

    /** A topic on the shared broker that takes records of at most {@code maxMessageBytes}. */
    String smallTopic(String prefix, int maxMessageBytes) throws Exception {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (var admin = Admin.create(Map.of("bootstrap.servers", fixture.infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1)
                            .configs(Map.of("max.message.bytes", Integer.toString(maxMessageBytes)))))
                    .all()
                    .get();
        }
        return name;
    }
}
