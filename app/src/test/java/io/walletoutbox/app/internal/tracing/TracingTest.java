package io.walletoutbox.app.internal.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.walletoutbox.app.internal.runtime.StartupException;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TracingTest {
    @BeforeEach
    @AfterEach
    void reset() {
        GlobalOpenTelemetry.resetForTest();
    }

    private static Tracing start(Map<String, String> environment) {
        return Tracing.start(TracingSettings.from(environment, new Properties()));
    }

    @Test
    void offRegistersNothingAndHasNoExemplars() {
        try (Tracing tracing = start(Map.of("OTEL_TRACES_SAMPLER", "always_on"))) {
            assertFalse(tracing.enabled());
            assertTrue(tracing.openTelemetry().isEmpty());
            assertNull(tracing.exemplars());
            assertFalse(GlobalOpenTelemetry.isSet(), "the global OpenTelemetry is left alone");
        }
    }

    @Test
    void onRegistersTheSdkAsTheGlobalOneWithAParentBasedSampler() {
        // An endpoint nothing listens on: no span is ended here, so nothing is sent.
        try (Tracing tracing = start(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"))) {
            assertTrue(tracing.enabled());
            assertTrue(GlobalOpenTelemetry.isSet());
            Span root =
                    GlobalOpenTelemetry.getTracer("test").spanBuilder("root").startSpan();
            assertTrue(root.isRecording(), "a new trace is sampled (parent-based, always on for a root)");
            try (var scope = root.makeCurrent()) {
                var exemplars = tracing.exemplars();
                assertEquals(root.getSpanContext().getTraceId(), exemplars.getCurrentTraceId());
                assertEquals(root.getSpanContext().getSpanId(), exemplars.getCurrentSpanId());
                assertTrue(exemplars.isCurrentSpanSampled());
            }
            assertEquals(
                    "[traceparent, tracestate, baggage]",
                    GlobalOpenTelemetry.getPropagators()
                            .getTextMapPropagator()
                            .fields()
                            .toString());
        }
    }

    @Test
    void aSettingTheSdkRefusesStopsTheStartAsAMisconfiguration() {
        var sampler = assertThrows(
                StartupException.class,
                () -> start(
                        Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9", "OTEL_TRACES_SAMPLER", "often")));
        assertTrue(sampler.misconfigured());
        assertTrue(sampler.getMessage().startsWith("tracing: "), sampler.getMessage());
        var grpc = assertThrows(
                StartupException.class,
                () -> start(Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")));
        assertTrue(grpc.misconfigured());
        assertFalse(GlobalOpenTelemetry.isSet(), "nothing registered by a refused start");
    }
}
