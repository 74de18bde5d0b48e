package io.walletoutbox.wallet.internal;

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

/**
 * The wallet's spans and trace contexts (OpenTelemetry; docs/tracing.md). A payment's {@code BillPaymentRequested}
 * event, appended by the server-side function, is a {@code create <topic>} PRODUCER span, child of the current span
 * (the API request's) or else of the caller's {@code traceparent}; the event is stored with this span's context as
 * its {@code traceparent}. An outcome event carries the current span's context (the consumer's {@code process}
 * span, a reconciliation's span) when there is one.
 *
 * <p>The only code of the module that names an OpenTelemetry type. The API is optional ({@code requires static}):
 * when it is not readable, or no OpenTelemetry is registered ({@code GlobalOpenTelemetry}), or the registered one
 * is the no-op, no span is made and events are stored as without tracing (the caller's {@code traceparent}, if
 * any). The registered tracer is looked up at each use, never at class loading, and never registers one. Libraries
 * never sample: the span's decision follows its parent's.
 */
final class Traces {
    /** The instrumentation scope of the wallet's spans. */
    static final String SCOPE = "io.walletoutbox.wallet";

    private static final boolean API = apiReadable();

    private Traces() {}

    /** The {@code create} span of an event a server-side function is about to append. */
    interface Create {
        /** The event to pass to the function: with this span's context as its {@code traceparent}. */
        OutboxEvent event();

        /**
         * Ends the span once the function answered: {@code appended} false when it wrote no event (a refusal, an
         * idempotent replay); {@code error} (may be null) what it threw.
         */
        void end(boolean appended, Throwable error);
    }

    /**
     * Starts the {@code create} span of {@code event} (whose {@code traceparent} header, if any, is the caller's);
     * null when tracing is off or the span has no valid context (then store {@code event} as it is).
     */
    static Create create(OutboxEvent event) {
        return API ? Otel.create(event) : null;
    }

    /** The current span's context as a {@code traceparent}, or null when no valid span is current. */
    static String current() {
        return API ? Otel.current() : null;
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

        static Create create(OutboxEvent event) {
            Tracer tracer = tracer();
            if (tracer == null) {
                return null;
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
            if (traceparent == null) {
                span.end();
                return null;
            }
            OutboxEvent stored = event.withHeader("traceparent", traceparent);
            return new Create() {
                @Override
                public OutboxEvent event() {
                    return stored;
                }

                @Override
                public void end(boolean appended, Throwable error) {
                    if (error != null) {
                        span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
                        span.setAttribute(
                                AttributeKey.stringKey("error.type"),
                                error.getClass().getName());
                        span.recordException(error);
                    } else if (!appended) {
                        span.setAttribute(AttributeKey.booleanKey("walletoutbox.outbox.appended"), false);
                    }
                    span.end();
                }
            };
        }

        static String current() {
            return traceparent(Span.current().getSpanContext());
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
