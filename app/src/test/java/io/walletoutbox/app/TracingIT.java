package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.walletoutbox.app.internal.tracing.MdcContextStorage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Tracing from outside: the service started with {@code OTEL_EXPORTER_OTLP_ENDPOINT} pointing at an OTLP/HTTP
 * receiver in this test and {@code OTEL_TRACES_SAMPLER=always_on}; one payment made with a {@code traceparent} header.
 * What arrived is decoded (protobuf) and checked against the tracing contract (docs/tracing.md): the API's SERVER
 * span under the caller's parent, the consumer's span and the biller call in the same trace (and the biller got that
 * call's traceparent), the consumer's log line with the trace's ids; and an OpenMetrics scrape shows the payment's
 * trace id as the exemplar of its latency bucket.
 */
class TracingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    private static final String TRACE_ID = randomHex(16);
    private static final String PARENT_ID = randomHex(8);
    private static final String PAYMENT_ROUTE = "/wallets/{walletId}/bill-payments";

    private static OtlpReceiver receiver;
    private static ServiceHarness service;
    private static String wallet;
    private static String payment;

    /** Captures log events with their MDC (read on the logging thread, not later on the test's). */
    private static final ListAppender<ILoggingEvent> logs = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            super.append(event);
        }
    };

    @BeforeAll
    static void start() throws IOException {
        GlobalOpenTelemetry.resetForTest(); // an SDK per service start; the JVM's earlier services left theirs
        logs.start();
        root().addAppender(logs);
        receiver = new OtlpReceiver();
        service = new ServiceHarness(
                "tracing",
                Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                        "OTEL_TRACES_SAMPLER", "always_on",
                        // export within 100 ms instead of 5 s
                        "OTEL_BSP_SCHEDULE_DELAY", "100"));
        wallet = service.walletWith(500);
        var request = HttpRequest.newBuilder(URI.create(service.baseUrl + "/wallets/" + wallet + "/bill-payments"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "p-" + wallet)
                .header("traceparent", "00-" + TRACE_ID + "-" + PARENT_ID + "-01")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"biller\":\"wifi\",\"customerRef\":\"ACC-7\",\"amount\":100}"))
                .build();
        HttpResponse<String> accepted = service.send(request);
        assertEquals(202, accepted.statusCode(), accepted.body());
        payment = JSON.readTree(accepted.body()).path("id").asText();
        ServiceHarness.await(
                Duration.ofSeconds(30),
                "payment " + payment + " to succeed",
                () -> service.status(payment).equals("SUCCEEDED"));
    }

    @AfterAll
    static void stop() {
        try {
            ServiceHarness.closeAll(service, receiver);
        } finally {
            root().detachAppender(logs);
            GlobalOpenTelemetry.resetForTest();
        }
    }

    @Test
    void thePaymentRequestIsAServerSpanOfTheCallersTrace() {
        OtlpReceiver.Received server = awaitSpan("POST " + PAYMENT_ROUTE);
        assertEquals(SpanKind.SPAN_KIND_SERVER, server.span().getKind(), server.toString());
        assertEquals(PARENT_ID, server.parentSpanId(), "continues the caller's traceparent: " + server);
        assertEquals("wallet-outbox", server.service());
        Map<String, String> attributes = server.attributes();
        assertEquals("POST", attributes.get("http.request.method"), server.toString());
        assertEquals(PAYMENT_ROUTE, attributes.get("http.route"), server.toString());
        assertEquals("/wallets/" + wallet + "/bill-payments", attributes.get("url.path"), server.toString());
        assertEquals("202", attributes.get("http.response.status_code"), server.toString());
        assertEquals(List.of(), receiver.refused(), "everything sent was OTLP/HTTP protobuf to /v1/traces");
    }

    @Test
    void theOutboxAppendTheRelayAndTheConsumerContinueThePaymentsTrace() {
        OtlpReceiver.Received server = awaitSpan("POST " + PAYMENT_ROUTE);
        String topic = service.topic;
        OtlpReceiver.Received create =
                awaitSpan("create " + topic, s -> s.parentSpanId().equals(server.spanId()));
        assertEquals(SpanKind.SPAN_KIND_PRODUCER, create.span().getKind(), create.toString());
        assertEquals("kafka", create.attributes().get("messaging.system"), create.toString());
        assertEquals("create", create.attributes().get("messaging.operation.type"), create.toString());
        assertEquals(topic, create.attributes().get("messaging.destination.name"), create.toString());

        OtlpReceiver.Received publish =
                awaitSpan("publish " + topic, s -> s.parentSpanId().equals(create.spanId()));
        assertEquals(SpanKind.SPAN_KIND_PRODUCER, publish.span().getKind(), publish.toString());
        assertEquals("send", publish.attributes().get("messaging.operation.type"), publish.toString());
        assertEquals(wallet, publish.attributes().get("messaging.kafka.message.key"), publish.toString());
        assertTrue(publish.attributes().containsKey("messaging.kafka.offset"), "ended at the ack: " + publish);
        assertTrue(publish.attributes().containsKey("walletoutbox.outbox.wait_ms"), publish.toString());

        // The relay's cycle is a trace of its own, linked to the record it carried.
        OtlpReceiver.Received cycle = await(
                "a relay cycle linked to the payment's create span",
                () -> receiver.spans().stream()
                        .filter(s -> s.name().equals("relay cycle"))
                        .filter(s -> s.span().getLinksList().stream()
                                .anyMatch(link -> HEX.formatHex(
                                                        link.getTraceId().toByteArray())
                                                .equals(TRACE_ID)
                                        && HEX.formatHex(link.getSpanId().toByteArray())
                                                .equals(create.spanId())))
                        .findFirst()
                        .orElse(null));
        assertFalse(cycle.traceId().equals(TRACE_ID), "its own trace: " + cycle);
        assertEquals("polling", cycle.attributes().get("walletoutbox.relay.mode"), cycle.toString());

        OtlpReceiver.Received process =
                awaitSpan("process " + topic, s -> s.parentSpanId().equals(create.spanId()));
        assertEquals(SpanKind.SPAN_KIND_CONSUMER, process.span().getKind(), process.toString());
        assertEquals(payment, process.attributes().get("walletoutbox.payment.id"), process.toString());
        assertEquals("false", process.attributes().get("walletoutbox.inbox.duplicate"), process.toString());

        // The outcome event (BillPaymentSucceeded) continues the trace under the consumer's span.
        OtlpReceiver.Received outcome =
                awaitSpan("publish " + topic, s -> s.parentSpanId().equals(process.spanId()));
        assertEquals(SpanKind.SPAN_KIND_PRODUCER, outcome.span().getKind(), outcome.toString());
    }

    @Test
    void theBillerCallIsAClientSpanWhoseContextTheBillerReceives() throws IOException {
        OtlpReceiver.Received charge = awaitSpan("POST", s -> s.span().getKind() == SpanKind.SPAN_KIND_CLIENT);
        OtlpReceiver.Received process = receiver.trace(TRACE_ID).stream()
                .filter(s -> s.spanId().equals(charge.parentSpanId()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the biller call's parent did not arrive: " + charge));
        assertEquals("process " + service.topic, process.name(), "the biller call is a child of the record's span");
        assertEquals("201", charge.attributes().get("http.response.status_code"), charge.toString());
        assertEquals("wifi", charge.attributes().get("walletoutbox.biller.id"), charge.toString());
        var requests = JSON.readTree(service.getAbsolute(service.simulatorUrl + "/v1/requests"));
        List<String> sent = new java.util.ArrayList<>();
        requests.forEach(r -> {
            if (r.path("idempotencyKey").asText().equals(payment)) {
                sent.add(r.path("traceparent").asText());
            }
        });
        assertEquals(List.of("00-" + TRACE_ID + "-" + charge.spanId() + "-01"), sent, "the biller got the call's span");
    }

    @Test
    void theConsumersLogLineCarriesTheTraceAndTheRecordsSpan() {
        OtlpReceiver.Received charge = awaitSpan("POST", s -> s.span().getKind() == SpanKind.SPAN_KIND_CLIENT);
        Map<String, String> mdc = awaitLog(payment).getMDCPropertyMap();
        assertEquals(TRACE_ID, mdc.get(MdcContextStorage.TRACE_ID), mdc.toString());
        assertEquals(
                charge.parentSpanId(),
                mdc.get(MdcContextStorage.SPAN_ID),
                "written under the record's span (the biller call's parent): " + mdc);
    }

    /** The consumer's "bill payment paid" line of {@code payment}. */
    private static ILoggingEvent awaitLog(String payment) {
        java.util.function.Supplier<ILoggingEvent> find = () -> {
            synchronized (logs) {
                return logs.list.stream()
                        .filter(e -> e.getFormattedMessage().startsWith("bill payment paid"))
                        .filter(e -> payment.equals(e.getMDCPropertyMap().get("paymentId")))
                        .findFirst()
                        .orElse(null);
            }
        };
        ServiceHarness.await(Duration.ofSeconds(10), "the paid log line of " + payment, () -> find.get() != null);
        return find.get();
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @Test
    void aRequestWithoutTraceparentStartsATraceOfItsOwn() {
        OtlpReceiver.Received created = await(
                "the span of POST /wallets",
                () -> receiver.spans().stream()
                        .filter(s -> s.name().equals("POST /wallets"))
                        .findFirst()
                        .orElse(null));
        assertEquals(SpanKind.SPAN_KIND_SERVER, created.span().getKind());
        assertTrue(created.span().getParentSpanId().isEmpty(), "a root span: " + created);
        assertFalse(created.traceId().equals(TRACE_ID), created.toString());
        assertEquals("201", created.attributes().get("http.response.status_code"), created.toString());
    }

    @Test
    void anOpenMetricsScrapeCarriesThePaymentsTraceIdAsAnExemplar() {
        awaitSpan("POST " + PAYMENT_ROUTE);
        var openMetrics = service.sendRaw(HttpRequest.newBuilder(URI.create(service.managementUrl + "/metrics"))
                .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                .build());
        assertEquals(200, openMetrics.statusCode());
        // Only where every Prometheus accepts them: a bucket or a counter, never a _count (Prometheus 2.42 fails the
        // whole scrape for one such exemplar).
        assertEquals(
                List.of(),
                openMetrics
                        .body()
                        .lines()
                        .filter(l -> l.contains(" # {"))
                        .filter(l -> !l.matches("^\\w+(_bucket\\{.*|_total(\\{.*)? .*)"))
                        .toList());
        assertTrue(
                openMetrics.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"),
                openMetrics.headers().toString());
        Pattern exemplar = Pattern.compile("(?m)^http_server_requests_seconds_bucket\\{[^}]*uri=\""
                + Pattern.quote(PAYMENT_ROUTE) + "\"[^}]*} \\S+ # \\{[^}]*trace_id=\"" + TRACE_ID + "\"");
        assertTrue(
                exemplar.matcher(openMetrics.body()).find(),
                "no exemplar of trace " + TRACE_ID + " on the payment route's buckets:\n"
                        + openMetrics
                                .body()
                                .lines()
                                .filter(l -> l.contains(PAYMENT_ROUTE))
                                .toList());

        // The relay's commit → ack histogram is observed in the producer's callback with the publish span current.
        Pattern relayExemplar = Pattern.compile(
                "(?m)^relay_publish_latency_seconds_bucket\\{[^}]*} \\S+ # \\{[^}]*trace_id=\"[0-9a-f]{32}\"");
        assertTrue(
                relayExemplar.matcher(openMetrics.body()).find(),
                "no exemplar on relay_publish_latency_seconds:\n"
                        + openMetrics
                                .body()
                                .lines()
                                .filter(l -> l.startsWith("relay_publish_latency_seconds_bucket"))
                                .toList());

        // Prometheus' text format has no exemplars: a scraper that does not ask for OpenMetrics sees what it did.
        var text = service.get("/metrics");
        assertTrue(text.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        assertFalse(text.body().contains("trace_id="), "no exemplar in the text format");
    }

    @Test
    void logLinesTakeTheCurrentSpansIdsFromTheContextStorage() {
        assertTrue(MdcContextStorage.active(), "the MDC bridge wraps the JVM's context storage");
    }

    private static OtlpReceiver.Received awaitSpan(String name) {
        return awaitSpan(name, s -> true);
    }

    /** The first span of the payment's trace named {@code name} that {@code matches}, once it arrived. */
    private static OtlpReceiver.Received awaitSpan(String name, Predicate<OtlpReceiver.Received> matches) {
        return await(
                "span " + name + " of trace " + TRACE_ID,
                () -> receiver.trace(TRACE_ID).stream()
                        .filter(s -> s.name().equals(name))
                        .filter(matches)
                        .findFirst()
                        .orElse(null));
    }

    private static <T> T await(String what, java.util.function.Supplier<T> found) {
        try {
            ServiceHarness.await(Duration.ofSeconds(15), what, () -> found.get() != null);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; received: " + receiver.spans(), e);
        }
        return found.get();
    }

    private static String randomHex(int bytes) {
        byte[] id = new byte[bytes];
        new SecureRandom().nextBytes(id);
        id[0] |= 1; // never all zeros
        return HEX.formatHex(id);
    }
}
