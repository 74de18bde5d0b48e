package io.walletoutbox.outbox.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written traceparent reading and writing answer exactly what the W3C propagator answers. */
class OtelSupportTest {
    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private static SpanContext byPropagator(String traceparent) {
        Map<String, String> carrier = new HashMap<>();
        if (traceparent != null) {
            carrier.put("traceparent", traceparent);
        }
        SpanContext context = Span.fromContext(
                        W3CTraceContextPropagator.getInstance().extract(Context.root(), carrier, GETTER))
                .getSpanContext();
        return context.isValid() ? context : null;
    }

    private static String byPropagator(SpanContext context) {
        Map<String, String> carrier = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.root().with(Span.wrap(context)), carrier, Map::put);
        return carrier.get("traceparent");
    }

    @Test
    void readsWhatThePropagatorReadsForWellFormedAndMalformedValues() {
        String ok = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        List<String> inputs = List.of(
                ok,
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-ff",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g", // flag not hex
                "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", // upper case
                "00-00000000000000000000000000000000-b7ad6b7169203331-01", // zero trace id
                "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", // zero span id
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333x-01",
                "00-0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331-01",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra", // version 00 must be 55 long
                "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra", // a later version may be longer
                "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "",
                "garbage",
                ok.substring(0, 54));
        for (String input : inputs) {
            assertEquals(byPropagator(input), OtelSupport.spanContext(input), input);
        }
        assertNull(OtelSupport.spanContext(null));
    }

    @Test
    void readsAndWritesRandomContextsAsThePropagatorDoes() {
        var random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            String traceId = String.format("%016x%016x", random.nextLong(), random.nextLong());
            String spanId = String.format("%016x", random.nextLong());
            var context = SpanContext.create(
                    traceId, spanId, TraceFlags.fromByte((byte) random.nextInt(256)), TraceState.getDefault());
            String written = OtelSupport.traceparent(context);
            assertEquals(byPropagator(context), written, context.toString());
            if (written != null) {
                assertEquals(byPropagator(written), OtelSupport.spanContext(written), written);
            }
        }
        assertNull(OtelSupport.traceparent(SpanContext.getInvalid()));
    }
}
