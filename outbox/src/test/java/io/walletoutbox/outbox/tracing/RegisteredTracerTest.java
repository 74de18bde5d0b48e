package io.walletoutbox.outbox.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegisteredTracerTest {
    private static final String RECORD = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @BeforeEach
    @AfterEach
    void noSdk() {
        GlobalOpenTelemetry.resetForTest();
    }

    @Test
    void withNothingRegisteredThereIsNoTracerAndTheNoOpIsNeverRegistered() {
        var tracer = new RegisteredTracer("test");
        assertNull(tracer.get());
        assertNotNull(tracer.orNoop());
        assertFalse(GlobalOpenTelemetry.isSet(), "looking the tracer up registered a global OpenTelemetry");
    }

    @Test
    void theRegisteredNoOpCountsAsNoTracerAndAnSdkRegisteredLaterIsSeen() {
        var tracer = new RegisteredTracer("test");
        GlobalOpenTelemetry.set(OpenTelemetry.noop());
        assertNull(tracer.get());
        GlobalOpenTelemetry.resetForTest();
        try (var provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(InMemorySpanExporter.create()))
                .build()) {
            OpenTelemetrySdk.builder().setTracerProvider(provider).buildAndRegisterGlobal();
            assertNotNull(tracer.get());
            assertSame(tracer.get(), tracer.get());
        }
    }

    @Test
    void aTraceparentRoundTripsAndAMalformedOneNamesNoContext() {
        SpanContext context = OtelSupport.spanContext(RECORD);
        assertNotNull(context);
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", context.getTraceId());
        assertEquals(RECORD, OtelSupport.traceparent(context));
        assertNull(OtelSupport.spanContext("garbage"));
        assertNull(OtelSupport.spanContext(null));
        assertNull(OtelSupport.traceparent(SpanContext.getInvalid()));
        assertEquals(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
                OtelSupport.traceparent(SpanContext.create(
                        "4bf92f3577b34da6a3ce929d0e0e4736",
                        "00f067aa0ba902b7",
                        TraceFlags.getDefault(),
                        TraceState.getDefault())));
    }

    @Test
    void onTheClassPathTheApiIsReadable() {
        assertTrue(TraceSupport.apiReadable(RegisteredTracerTest.class));
    }
}
