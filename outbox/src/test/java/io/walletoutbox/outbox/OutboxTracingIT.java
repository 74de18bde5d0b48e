package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.walletoutbox.embedded.SharedInfrastructure;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link OutboxWriter#append}'s {@code create} span (docs/tracing.md), against a real PostgreSQL: the row stores
 * the span's context as its {@code traceparent}; the span is the child of the current span, else of the event's
 * own {@code traceparent}; without an SDK the event is stored exactly as given.
 */
class OutboxTracingIT {
    private static final String GIVEN = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Jdbi jdbi;

    private final OutboxWriter writer = OutboxWriter.create(OutboxConfig.DEFAULTS, () -> {});
    private InMemorySpanExporter exported;

    @BeforeAll
    static void database() {
        var infra = SharedInfrastructure.get();
        var config = new HikariConfig();
        config.setJdbcUrl(infra.newDatabase("outbox_tracing"));
        config.setUsername(infra.user());
        config.setPassword("");
        config.setMaximumPoolSize(2);
        var ds = new HikariDataSource(config); // lives as long as the test JVM
        OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
        jdbi = Jdbi.create(ds);
    }

    @BeforeEach
    void reset() {
        GlobalOpenTelemetry.resetForTest();
    }

    @AfterEach
    void resetAgain() {
        GlobalOpenTelemetry.resetForTest();
    }

    private void registerSdk() {
        exported = InMemorySpanExporter.create();
        OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(exported))
                        .build())
                .buildAndRegisterGlobal();
    }

    private static String storedTraceparent(UUID eventId) throws Exception {
        String headers =
                jdbi.withHandle(h -> h.createQuery("SELECT headers::text FROM outbox_event WHERE event_id = :id")
                        .bind("id", eventId)
                        .mapTo(String.class)
                        .one());
        var node = JSON.readTree(headers).get("traceparent");
        return node == null ? null : node.asText();
    }

    private SpanData createSpanOf(OutboxEvent event) {
        return exported.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("create " + event.topic()))
                .filter(s -> event.id().toString().equals(attr(s, "messaging.message.id")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no create span of " + event.id()));
    }

    private static String attr(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    private static String traceparent(SpanData span) {
        var c = span.getSpanContext();
        return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-"
                + c.getTraceFlags().asHex();
    }

    @Test
    void appendUnderACurrentSpanStoresItsCreateSpansContext() throws Exception {
        registerSdk();
        var event =
                OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{}").withHeader("traceparent", GIVEN);
        Span request =
                GlobalOpenTelemetry.getTracer("test").spanBuilder("request").startSpan();
        try (Scope ignored = request.makeCurrent()) {
            jdbi.useTransaction(h -> writer.append(h.getConnection(), event));
        } finally {
            request.end();
        }
        SpanData create = createSpanOf(event);
        assertEquals(traceparent(create), storedTraceparent(event.id()));
        assertEquals(SpanKind.PRODUCER, create.getKind());
        assertEquals(request.getSpanContext().getSpanId(), create.getParentSpanId(), "the current span, not GIVEN");
        assertEquals(request.getSpanContext().getTraceId(), create.getTraceId());
        assertEquals("kafka", attr(create, "messaging.system"));
        assertEquals("create", attr(create, "messaging.operation.type"));
        assertEquals("create", attr(create, "messaging.operation.name"));
        assertEquals("things", attr(create, "messaging.destination.name"));
        assertEquals(StatusCode.UNSET, create.getStatus().getStatusCode());
    }

    @Test
    void appendWithNoCurrentSpanContinuesTheEventsTraceparentOrStartsATrace() throws Exception {
        registerSdk();
        var given =
                OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{}").withHeader("traceparent", GIVEN);
        var none = OutboxEvent.of("Thing", "t-2", "ThingChanged", "things", "{}");
        jdbi.useTransaction(h -> {
            writer.append(h.getConnection(), given);
            writer.append(h.getConnection(), none);
        });
        SpanData child = createSpanOf(given);
        assertEquals(traceparent(child), storedTraceparent(given.id()));
        assertEquals(GIVEN.substring(3, 35), child.getTraceId());
        assertEquals(GIVEN.substring(36, 52), child.getParentSpanId());
        SpanData root = createSpanOf(none);
        assertEquals(traceparent(root), storedTraceparent(none.id()));
        assertFalse(root.getParentSpanContext().isValid(), "a root span");
    }

    @Test
    void failedAppendEndsItsSpanWithTheError() {
        registerSdk();
        var event = OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{}");
        jdbi.useHandle(h -> assertThrows(
                OutboxException.NoTransactionException.class, () -> writer.append(h.getConnection(), event)));
        SpanData create = createSpanOf(event);
        assertEquals(StatusCode.ERROR, create.getStatus().getStatusCode());
        assertTrue(create.getEvents().stream().anyMatch(e -> e.getName().equals("exception")));
    }

    @Test
    void withoutAnSdkTheEventIsStoredAsGiven() throws Exception {
        var given =
                OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{}").withHeader("traceparent", GIVEN);
        var none = OutboxEvent.of("Thing", "t-2", "ThingChanged", "things", "{}");
        jdbi.useTransaction(h -> {
            writer.append(h.getConnection(), given);
            writer.append(h.getConnection(), none);
        });
        assertEquals(GIVEN, storedTraceparent(given.id()));
        assertEquals(null, storedTraceparent(none.id()));
        assertFalse(GlobalOpenTelemetry.isSet(), "the writer never registers the no-op itself");
    }
}
