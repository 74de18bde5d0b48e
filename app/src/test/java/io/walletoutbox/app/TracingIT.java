package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tracing from outside: the service started with {@code OTEL_EXPORTER_OTLP_ENDPOINT} pointing at an OTLP/HTTP
 * receiver in this test and {@code OTEL_TRACES_SAMPLER=always_on}; one payment made with a {@code traceparent} header.
 * What arrived is decoded (protobuf) and checked against the tracing contract (docs/tracing.md), and an OpenMetrics
 * scrape shows the payment's trace id as the exemplar of its latency bucket.
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

    @BeforeAll
    static void start() throws IOException {
        GlobalOpenTelemetry.resetForTest(); // an SDK per service start; the JVM's earlier services left theirs
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
        return await(
                "span " + name + " of trace " + TRACE_ID,
                () -> receiver.trace(TRACE_ID).stream()
                        .filter(s -> s.name().equals(name))
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
