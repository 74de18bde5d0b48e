package io.walletoutbox.wallet.internal;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.tracing.OtelSupport;
import io.walletoutbox.outbox.tracing.RegisteredTracer;
import io.walletoutbox.outbox.tracing.TraceSupport;

/**
 * The wallet's spans and trace contexts (OpenTelemetry; docs/tracing.md). A payment's {@code BillPaymentRequested}
 * event, appended by the server-side function, is a {@code create <topic>} PRODUCER span, child of the current span
 * (the API request's) or else of the caller's {@code traceparent}; the event is stored with this span's context as
 * its {@code traceparent}. An outcome event carries the current span's context (the consumer's {@code process}
 * span, a reconciliation's span) when there is one.
 *
 * <p>The API is optional ({@code requires static}): when it is not readable, or no OpenTelemetry is registered
 * ({@code GlobalOpenTelemetry}), or the registered one is the no-op, no span is made and events are stored as
 * without tracing (the caller's {@code traceparent}, if any). The shared mechanics (the availability check, the
 * registered tracer, the {@code create} span the outbox's writers make too) are in {@code
 * io.walletoutbox.outbox.tracing}. Libraries never sample: the span's decision follows its parent's.
 */
final class Traces {
    /** The instrumentation scope of the wallet's spans. */
    static final String SCOPE = "io.walletoutbox.wallet";

    private static final boolean API = TraceSupport.apiReadable(Traces.class);

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

    /** Everything that names an OpenTelemetry type: loaded only when the API is readable. */
    private static final class Otel {
        private static final RegisteredTracer TRACER = new RegisteredTracer(SCOPE);
        private static final AttributeKey<Boolean> APPENDED = AttributeKey.booleanKey("walletoutbox.outbox.appended");

        private Otel() {}

        static Create create(OutboxEvent event) {
            Tracer tracer = TRACER.get();
            if (tracer == null) {
                return null;
            }
            Span span = OtelSupport.startCreate(tracer, event);
            String traceparent = OtelSupport.traceparent(span.getSpanContext());
            if (traceparent == null) {
                span.end();
                return null;
            }
            OutboxEvent stored = event.withHeader(TraceSupport.TRACEPARENT, traceparent);
            return new Create() {
                @Override
                public OutboxEvent event() {
                    return stored;
                }

                @Override
                public void end(boolean appended, Throwable error) {
                    if (error != null) {
                        OtelSupport.failed(span, error);
                    } else if (!appended) {
                        span.setAttribute(APPENDED, false);
                    }
                    span.end();
                }
            };
        }

        static String current() {
            return OtelSupport.traceparent(Span.current().getSpanContext());
        }
    }
}
