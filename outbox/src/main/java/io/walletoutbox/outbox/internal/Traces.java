package io.walletoutbox.outbox.internal;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.walletoutbox.outbox.OutboxEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The outbox's span (OpenTelemetry; docs/tracing.md): each {@link io.walletoutbox.outbox.OutboxWriter#append} is a
 * {@code create <topic>} PRODUCER span, child of the current span or else of the event's own {@code traceparent}
 * header, and the event is stored with this span's context as its {@code traceparent}, so the relay's {@code
 * publish} span and the consumer's span continue the trace under it.
 *
 * <p>The only code of the module that names an OpenTelemetry type. The API is optional ({@code requires static}):
 * when it is not readable, or no OpenTelemetry is registered ({@code GlobalOpenTelemetry}), or the registered one
 * is the no-op, the append runs as it did without tracing, the event unchanged. The registered tracer is looked up
 * at each use, never at class loading, and never registers one. Libraries never sample: the span's decision follows
 * its parent's.
 */
final class Traces {
    /** The instrumentation scope of the outbox's spans. */
    static final String SCOPE = "io.walletoutbox.outbox";

    private static final boolean API = apiReadable();

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

    /** Whether OpenTelemetry's API and context modules can be used from here (present, and read by this module). */
    private static boolean apiReadable() {
        try {
            ClassLoader loader = Traces.class.getClassLoader();
            Module self = Traces.class.getModule();
            for (String name :
                    List.of("io.opentelemetry.api.GlobalOpenTelemetry", "io.opentelemetry.context.Context")) {
                Class<?> type = Class.forName(name, false, loader);
                if (self.isNamed() && !self.canRead(type.getModule())) {
                    return false;
                }
            }
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Everything that uses OpenTelemetry: loaded only when the API is readable. */
    private static final class Otel {
        private static final Tracer NOOP = TracerProvider.noop().get(SCOPE);

        /** The traceparent itself is the carrier: the getter answers its one key. */
        private static final TextMapGetter<String> TRACEPARENT = new TextMapGetter<>() {
            @Override
            public Iterable<String> keys(String carrier) {
                return List.of("traceparent");
            }

            @Override
            public String get(String carrier, String key) {
                return "traceparent".equals(key) ? carrier : null;
            }
        };

        /** The registered OpenTelemetry last seen, and its tracer (null: the no-op). */
        private record Bound(OpenTelemetry registered, Tracer tracer) {}

        private static volatile Bound bound = new Bound(null, null);

        private Otel() {}

        /** The registered tracer, or null when none is registered or it is the no-op. Never registers one. */
        static Tracer tracer() {
            if (!GlobalOpenTelemetry.isSet()) {
                return null;
            }
            OpenTelemetry registered = GlobalOpenTelemetry.get();
            Bound b = bound;
            if (b.registered() != registered) {
                Tracer tracer = registered.getTracer(SCOPE);
                b = new Bound(registered, tracer == NOOP ? null : tracer);
                bound = b;
            }
            return b.tracer();
        }

        /** {@link Traces#create}; false (nothing run) when tracing is off. */
        static boolean create(OutboxEvent event, Consumer<OutboxEvent> append) {
            Tracer tracer = tracer();
            if (tracer == null) {
                return false;
            }
            SpanBuilder builder = tracer.spanBuilder("create " + event.topic())
                    .setSpanKind(SpanKind.PRODUCER)
                    .setAttribute(AttributeKey.stringKey("messaging.system"), "kafka")
                    .setAttribute(AttributeKey.stringKey("messaging.operation.type"), "create")
                    .setAttribute(AttributeKey.stringKey("messaging.operation.name"), "create")
                    .setAttribute(AttributeKey.stringKey("messaging.destination.name"), event.topic())
                    .setAttribute(
                            AttributeKey.stringKey("messaging.message.id"),
                            event.id().toString());
            String given = event.headers().get("traceparent");
            if (Span.current().getSpanContext().isValid()) {
                builder.setParent(Context.current());
            } else if (given != null) {
                builder.setParent(W3CTraceContextPropagator.getInstance().extract(Context.root(), given, TRACEPARENT));
            } else {
                builder.setNoParent();
            }
            Span span = builder.startSpan();
            String traceparent = traceparent(span.getSpanContext());
            OutboxEvent stored = traceparent == null ? event : event.withHeader("traceparent", traceparent);
            try {
                append.accept(stored);
            } catch (RuntimeException | Error e) {
                span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
                span.setAttribute(
                        AttributeKey.stringKey("error.type"), e.getClass().getName());
                span.recordException(e);
                span.end();
                throw e;
            }
            span.end();
            return true;
        }

        /** {@code context} as a W3C {@code traceparent}, or null when it is not valid. */
        static String traceparent(SpanContext context) {
            if (!context.isValid()) {
                return null;
            }
            var carrier = new HashMap<String, String>(2);
            W3CTraceContextPropagator.getInstance()
                    .inject(Context.root().with(Span.wrap(context)), carrier, HashMap::put);
            return carrier.get("traceparent");
        }
    }
}
