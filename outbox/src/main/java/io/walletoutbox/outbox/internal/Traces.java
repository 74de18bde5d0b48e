package io.walletoutbox.outbox.internal;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.tracing.OtelSupport;
import io.walletoutbox.outbox.tracing.RegisteredTracer;
import io.walletoutbox.outbox.tracing.TraceSupport;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The outbox's span (OpenTelemetry; docs/tracing.md): each {@link io.walletoutbox.outbox.OutboxWriter#append} is a
 * {@code create <topic>} PRODUCER span, child of the current span or else of the event's own {@code traceparent}
 * header, and the event is stored with this span's context as its {@code traceparent}, so the relay's {@code
 * publish} span and the consumer's span continue the trace under it.
 *
 * <p>The API is optional ({@code requires static}): when it is not readable, or no OpenTelemetry is registered
 * ({@code GlobalOpenTelemetry}), or the registered one is the no-op, the append runs as it did without tracing, the
 * event unchanged. The shared mechanics (the availability check, the registered tracer, the span itself) are in
 * {@code io.walletoutbox.outbox.tracing}. Libraries never sample: the span's decision follows its parent's.
 */
final class Traces {
    /** The instrumentation scope of the outbox's spans. */
    static final String SCOPE = "io.walletoutbox.outbox";

    private static final boolean API = TraceSupport.apiReadable(Traces.class);

    private Traces() {}

    /**
     * Runs {@code append} with {@code event}, inside the event's {@code create} span when tracing is on (then with
     * the event's {@code traceparent} header set to that span's context); the span ends when {@code append} returns
     * or throws (error status and the exception then).
     */
    static void create(OutboxEvent event, Consumer<OutboxEvent> append) {
        Objects.requireNonNull(event, "event");
        if (!API || !Otel.create(event, append)) {
            append.accept(event);
        }
    }

    /** Everything that names an OpenTelemetry type: loaded only when the API is readable. */
    private static final class Otel {
        private static final RegisteredTracer TRACER = new RegisteredTracer(SCOPE);

        private Otel() {}

        /** {@link Traces#create}; false (nothing run) when tracing is off. */
        static boolean create(OutboxEvent event, Consumer<OutboxEvent> append) {
            Tracer tracer = TRACER.get();
            if (tracer == null) {
                return false;
            }
            Span span = OtelSupport.startCreate(tracer, event);
            String traceparent = OtelSupport.traceparent(span.getSpanContext());
            OutboxEvent stored = traceparent == null ? event : event.withHeader(TraceSupport.TRACEPARENT, traceparent);
            try {
                append.accept(stored);
            } catch (RuntimeException | Error e) {
                OtelSupport.failed(span, e);
                span.end();
                throw e;
            }
            span.end();
            return true;
        }
    }
}
