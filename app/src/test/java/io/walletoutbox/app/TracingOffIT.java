package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.walletoutbox.app.internal.tracing.Tracing;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Tracing off: with no {@code OTEL_*} variable the service builds no SDK (the global OpenTelemetry stays the API's
 * no-op, whose propagators are empty), exports nothing and puts no exemplar on {@code /metrics}; with {@code
 * OTEL_SDK_DISABLED=true} even an endpoint given receives nothing, not even when the service stops (when an SDK
 * would flush what it queued). Both say so in their start-up line.
 */
class TracingOffIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    private static ServiceHarness plain;

    @BeforeAll
    static void start() {
        GlobalOpenTelemetry.resetForTest();
        logs.start();
        tracingLogger().addAppender(logs);
        plain = new ServiceHarness("tracing_off", Map.of());
    }

    @AfterAll
    static void stop() {
        try {
            ServiceHarness.closeAll(plain);
        } finally {
            tracingLogger().detachAppender(logs);
            GlobalOpenTelemetry.resetForTest();
        }
    }

    @Test
    void withoutOtelVariablesNoSdkRunsAndNoExemplarIsServed() throws IOException {
        pay(plain);
        assertEquals(
                List.of(),
                List.copyOf(GlobalOpenTelemetry.getPropagators()
                        .getTextMapPropagator()
                        .fields()),
                "the global OpenTelemetry is the no-op one (an SDK propagates traceparent)");
        assertFalse(
                GlobalOpenTelemetry.getTracer("test")
                        .spanBuilder("probe")
                        .startSpan()
                        .isRecording(),
                "spans are not recorded");
        var openMetrics = plain.sendRaw(HttpRequest.newBuilder(URI.create(plain.managementUrl + "/metrics"))
                .header("Accept", "application/openmetrics-text; version=1.0.0")
                .build());
        assertTrue(openMetrics.body().contains("http_server_requests_seconds_bucket{"), "histograms are served");
        assertFalse(openMetrics.body().contains("trace_id="), "no exemplar without tracing");
        assertTrue(
                started().stream().anyMatch(line -> line.startsWith("tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT")),
                started().toString());
    }

    @Test
    void sdkDisabledExportsNothingEvenToAGivenEndpoint() throws IOException {
        try (var receiver = new OtlpReceiver()) {
            var disabled = new ServiceHarness(
                    "tracing_disabled",
                    Map.of(
                            "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                            "OTEL_TRACES_SAMPLER", "always_on",
                            "OTEL_SDK_DISABLED", "true"));
            try {
                pay(disabled);
            } finally {
                disabled.close(); // an SDK would export what it queued here, before close returns
            }
            assertEquals(List.of(), receiver.spans());
            assertEquals(List.of(), receiver.refused());
        }
        assertTrue(started().contains("tracing off (OTEL_SDK_DISABLED=true): no span is recorded or exported"));
    }

    /** Pays 1.00 from a new wallet with a traceparent header and waits until it succeeded. */
    private static void pay(ServiceHarness service) throws IOException {
        String wallet = service.walletWith(500);
        var accepted = service.send(
                HttpRequest.newBuilder(URI.create(service.baseUrl + "/wallets/" + wallet + "/bill-payments"))
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", "p-" + wallet)
                        .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-7\",\"amount\":100}"))
                        .build());
        assertEquals(202, accepted.statusCode(), accepted.body());
        String payment = JSON.readTree(accepted.body()).path("id").asText();
        ServiceHarness.await(
                Duration.ofSeconds(30),
                "payment " + payment + " to succeed",
                () -> service.status(payment).equals("SUCCEEDED"));
    }

    private static List<String> started() {
        synchronized (logs) {
            return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private static Logger tracingLogger() {
        return (Logger) LoggerFactory.getLogger(Tracing.class);
    }
}
