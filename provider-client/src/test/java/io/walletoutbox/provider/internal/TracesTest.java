package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TracesTest {
    private static final String RECORD = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final URI PAYMENTS = URI.create("http://localhost:8089/v1/payments");

    @BeforeEach
    @AfterEach
    void noSdk() {
        GlobalOpenTelemetry.resetForTest();
    }

    @Test
    void onlyAWellFormedTraceparentIsKept() {
        assertEquals(RECORD, Traces.validTraceparent(RECORD));
        assertNull(Traces.validTraceparent(null));
        assertNull(Traces.validTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"));
        assertNull(Traces.validTraceparent(RECORD.toUpperCase(java.util.Locale.ROOT)));
        assertNull(Traces.validTraceparent("ff" + RECORD.substring(2)));
        assertNull(Traces.validTraceparent("00-" + "0".repeat(32) + "-00f067aa0ba902b7-01"));
        assertNull(Traces.validTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-" + "0".repeat(16) + "-01"));
        assertNull(Traces.validTraceparent(RECORD + "-x"));
    }

    @Test
    void withoutAnSdkTheForwardedTraceparentTravelsOnUnchangedEvenMalformed() {
        var process = Traces.consumer("wallet.events", RECORD);
        try (var scope = process.makeCurrent()) {
            assertEquals(
                    RECORD, Traces.client("POST", PAYMENTS, "wifi", RECORD, 0).header(RECORD));
            assertEquals(
                    "garbage",
                    Traces.client("POST", PAYMENTS, "wifi", "garbage", 0).header("garbage"));
            assertNull(Traces.client("GET", PAYMENTS, "wifi", null, 0).header(null));
        } finally {
            process.end();
        }
        var attempt = Traces.reconcile(RECORD);
        try (var scope = attempt.makeCurrent()) {
            assertNull(Traces.client("GET", PAYMENTS, "wifi", null, 0).header(null));
        } finally {
            attempt.end();
        }
    }

    @Test
    void withAnSdkTheHeaderIsTheClientSpansContextUnderTheCurrentSpanOrTheForwardedOne() {
        var exporter = InMemorySpanExporter.create();
        try (var provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build()) {
            OpenTelemetrySdk.builder().setTracerProvider(provider).buildAndRegisterGlobal();
            // No current span: the call's traceparent is the parent.
            var alone = Traces.client("POST", PAYMENTS, "wifi", RECORD, 1);
            String sent = alone.header(RECORD);
            alone.end();
            assertTrue(sent.startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-"), sent);
            assertNotEquals(RECORD, sent);
            var client = exporter.getFinishedSpanItems().getFirst();
            assertEquals("00f067aa0ba902b7", client.getParentSpanId());
            assertEquals(sent.substring(36, 52), client.getSpanId());
            assertEquals(
                    1L,
                    client.getAttributes()
                            .get(io.opentelemetry.api.common.AttributeKey.longKey("http.request.resend_count")));
            assertEquals(
                    8089L, client.getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("server.port")));
        }
    }
}
