package io.walletoutbox.app.internal.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class MdcContextStorageTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";
    private static final String CHILD = "b7ad6b7169203331";

    private final MdcContextStorage storage = new MdcContextStorage(ContextStorage.defaultStorage());

    @AfterEach
    void clear() {
        MDC.clear();
    }

    private static Context with(String spanId) {
        return Context.root()
                .with(Span.wrap(SpanContext.create(TRACE, spanId, TraceFlags.getSampled(), TraceState.getDefault())));
    }

    @Test
    void aCurrentSpanPutsItsIdsAndItsScopeRestoresThePreviousOnes() {
        try (var outer = storage.attach(with(SPAN))) {
            assertEquals(TRACE, MDC.get(MdcContextStorage.TRACE_ID));
            assertEquals(SPAN, MDC.get(MdcContextStorage.SPAN_ID));
            try (var inner = storage.attach(with(CHILD))) {
                assertEquals(CHILD, MDC.get(MdcContextStorage.SPAN_ID));
            }
            assertEquals(SPAN, MDC.get(MdcContextStorage.SPAN_ID), "the outer span again");
            try (var none = storage.attach(Context.root())) {
                assertNull(MDC.get(MdcContextStorage.TRACE_ID), "no span, no ids");
                assertNull(MDC.get(MdcContextStorage.SPAN_ID));
            }
            assertEquals(TRACE, MDC.get(MdcContextStorage.TRACE_ID));
        }
        assertNull(MDC.get(MdcContextStorage.TRACE_ID));
        assertNull(MDC.get(MdcContextStorage.SPAN_ID));
    }

    @Test
    void aContextWithoutSpanTouchesNothingElseInTheMdc() {
        MDC.put("paymentId", "p-1");
        try (var none = storage.attach(Context.root())) {
            assertEquals("p-1", MDC.get("paymentId"));
            assertNull(MDC.get(MdcContextStorage.TRACE_ID));
        }
        assertEquals("p-1", MDC.get("paymentId"));
    }

    @Test
    void theContextItselfIsKeptByTheWrappedStorage() {
        Context context = with(SPAN);
        try (var scope = storage.attach(context)) {
            assertEquals(context, storage.current());
        }
        assertEquals(null, storage.current());
    }
}
