package io.walletoutbox.provider.internal;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.walletoutbox.outbox.tracing.OtelSupport;
import io.walletoutbox.outbox.tracing.RegisteredTracer;
import io.walletoutbox.outbox.tracing.TraceSupport;
import java.net.URI;
import java.util.Objects;

/**
 * The module's only door to OpenTelemetry (issue 23; names, kinds and attributes as in the tracing contract). The
 * API is optional ({@code requires static}): whether it is readable is checked once, and without it every method
 * here returns a span that does nothing, so no OpenTelemetry class is ever loaded. With the API but no SDK
 * registered ({@code GlobalOpenTelemetry}, looked up at each span, so an SDK the application registers later is
 * used), spans are the API's no-op ones. Nothing else in this module names an OpenTelemetry type: the rest of the
 * module holds a {@link Span} of this class, and passes trace contexts around as W3C {@code traceparent} strings.
 * The mechanics shared with the other libraries (the availability check, the registered tracer, traceparent parsing
 * and validation, failures) are in {@code io.walletoutbox.outbox.tracing}.
 *
 * <p>Sampling is never decided here: every span starts from the parent or link the caller gives, so the decision
 * the application made where the trace began travels with the context.
 */
final class Traces {
    /** The instrumentation scope of every span of this module. */
    static final String INSTRUMENTATION = "io.walletoutbox.provider";

    static final String PAYMENT_ID = "walletoutbox.payment.id";
    static final String INBOX_DUPLICATE = "walletoutbox.inbox.duplicate";
    static final String BILLER_ID = "walletoutbox.biller.id";
    static final String RECONCILIATION_REASON = "walletoutbox.reconciliation.reason";
    static final String RECONCILIATION_DECISION = "walletoutbox.reconciliation.decision";
    static final String RECONCILIATION_HOW = "walletoutbox.reconciliation.how";
    static final String RECONCILE_SPAN = "reconcile payment";

    private static final boolean AVAILABLE = TraceSupport.apiReadable(Traces.class);

    private Traces() {}

    /** The current span's scope; closing it restores the context that was current before. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** A span (or nothing). Every method is cheap and never throws for lack of tracing. */
    interface Span {
        Span set(String key, String value);

        Span set(String key, long value);

        Span set(String key, boolean value);

        /** An event on the span's timeline. */
        void event(String name);

        /** Records {@code failure} as an exception event, without changing the span's status. */
        void exception(Throwable failure);

        /** Marks the span failed with {@code description} (and the exception, when not null). */
        void error(String description, Throwable failure);

        /** Links the span to the span context in {@code traceparent} (nothing when it is null or malformed). */
        void link(String traceparent);

        /** An HTTP response's status: {@code http.response.status_code}; from 400 on, an error (client spans). */
        void httpStatus(int status);

        /** Makes this span current on this thread until the scope is closed. */
        Scope makeCurrent();

        /**
         * The {@code traceparent} to send downstream: this span's context when a tracer created a span here, else
         * {@code forwarded} unchanged (no SDK: what the caller was given travels on as it came).
         */
        String header(String forwarded);

        /** Ends the span (once). */
        void end();
    }

    /**
     * The {@code process <topic>} CONSUMER span of one record, parented to the record's {@code traceparent} (a new
     * trace when it has none or a malformed one).
     */
    static Span consumer(String topic, String traceparent) {
        return AVAILABLE ? Otel.consumer(topic, traceparent) : Nothing.SPAN;
    }

    /**
     * A biller request's CLIENT span ({@code POST}/{@code GET}): a child of the current span, or, when there is
     * none, of {@code forwarded} (the call's traceparent). Carries {@code http.request.method}, {@code url.full},
     * {@code server.address}, {@code server.port}, {@code walletoutbox.biller.id} and, for a retry, {@code
     * http.request.resend_count}.
     */
    static Span client(String method, URI url, String billerId, String forwarded, int resendCount) {
        return AVAILABLE ? Otel.client(method, url, billerId, forwarded, resendCount) : Nothing.SPAN;
    }

    /**
     * A {@code reconcile payment} INTERNAL span: the root of a trace of its own, linked to the payment's trace
     * ({@code linked}, the traceparent recorded with the entry, when known).
     */
    static Span reconcile(String linked) {
        return AVAILABLE ? Otel.reconcile(linked) : Nothing.SPAN;
    }

    /** The span current on this thread (ending it is the owner's business, never the caller's). */
    static Span current() {
        return AVAILABLE ? Otel.current() : Nothing.SPAN;
    }

    /** {@code traceparent} when it is a well-formed W3C trace context, else null (what a stored one must be). */
    static String validTraceparent(String traceparent) {
        return TraceSupport.validTraceparent(traceparent);
    }

    /** Without the API: nothing, and the forwarded traceparent travels on unchanged. */
    private enum Nothing implements Span, Scope {
        SPAN;

        @Override
        public Span set(String key, String value) {
            return this;
        }

        @Override
        public Span set(String key, long value) {
            return this;
        }

        @Override
        public Span set(String key, boolean value) {
            return this;
        }

        @Override
        public void event(String name) {}

        @Override
        public void exception(Throwable failure) {}

        @Override
        public void error(String description, Throwable failure) {}

        @Override
        public void link(String traceparent) {}

        @Override
        public void httpStatus(int status) {}

        @Override
        public Scope makeCurrent() {
            return this;
        }

        @Override
        public String header(String forwarded) {
            return forwarded;
        }

        @Override
        public void end() {}

        @Override
        public void close() {}
    }

    /** The only code that names OpenTelemetry types; loaded only when the API is readable. */
    private static final class Otel implements Span {
        private static final RegisteredTracer TRACER = new RegisteredTracer(INSTRUMENTATION);

        private final io.opentelemetry.api.trace.Span span;
        private final boolean created; // a tracer made a span here (not the no-op's wrapped parent, nor invalid)

        private Otel(io.opentelemetry.api.trace.Span span, SpanContext parent) {
            this.span = span;
            SpanContext own = span.getSpanContext();
            this.created = own.isValid() && !own.getSpanId().equals(parent.getSpanId());
        }

        // The global instance is read at each span: one the application registers after this module started
        // (or a test's, after resetForTest) is used from then on; with none, the no-op tracer, whose spans carry
        // their parent's context (so a record's context is still made current, and the forwarded header travels).
        private static Tracer tracer() {
            return TRACER.orNoop();
        }

        static Span consumer(String topic, String traceparent) {
            Context parent = OtelSupport.extract(traceparent);
            var span = tracer().spanBuilder("process " + topic)
                    .setSpanKind(SpanKind.CONSUMER)
                    .setParent(parent)
                    .startSpan();
            return new Otel(
                    span, io.opentelemetry.api.trace.Span.fromContext(parent).getSpanContext());
        }

        static Span client(String method, URI url, String billerId, String forwarded, int resendCount) {
            Context parent = Context.current();
            if (!io.opentelemetry.api.trace.Span.fromContext(parent)
                    .getSpanContext()
                    .isValid()) {
                parent = OtelSupport.extract(forwarded);
            }
            var builder = tracer().spanBuilder(method)
                    .setSpanKind(SpanKind.CLIENT)
                    .setParent(parent)
                    .setAttribute("http.request.method", method)
                    .setAttribute("url.full", url.toString())
                    .setAttribute("server.address", String.valueOf(url.getHost()))
                    .setAttribute("server.port", (long) port(url))
                    .setAttribute(BILLER_ID, billerId);
            if (resendCount > 0) {
                builder.setAttribute("http.request.resend_count", (long) resendCount);
            }
            return new Otel(
                    builder.startSpan(),
                    io.opentelemetry.api.trace.Span.fromContext(parent).getSpanContext());
        }

        private static int port(URI url) {
            if (url.getPort() != -1) {
                return url.getPort();
            }
            return "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        }

        static Span reconcile(String linked) {
            var builder = tracer().spanBuilder(RECONCILE_SPAN)
                    .setSpanKind(SpanKind.INTERNAL)
                    .setNoParent();
            SpanContext payment = OtelSupport.spanContext(linked);
            if (payment != null) {
                builder.addLink(payment);
            }
            return new Otel(builder.startSpan(), SpanContext.getInvalid());
        }

        static Span current() {
            var span = io.opentelemetry.api.trace.Span.current();
            return new Otel(span, span.getSpanContext());
        }

        @Override
        public Span set(String key, String value) {
            if (value != null) {
                span.setAttribute(key, value);
            }
            return this;
        }

        @Override
        public Span set(String key, long value) {
            span.setAttribute(key, value);
            return this;
        }

        @Override
        public Span set(String key, boolean value) {
            span.setAttribute(key, value);
            return this;
        }

        @Override
        public void event(String name) {
            span.addEvent(name);
        }

        @Override
        public void exception(Throwable failure) {
            span.recordException(failure);
        }

        @Override
        public void error(String description, Throwable failure) {
            OtelSupport.failed(span, description, failure);
        }

        @Override
        public void link(String traceparent) {
            SpanContext linked = OtelSupport.spanContext(traceparent);
            if (linked != null) {
                span.addLink(linked);
            }
        }

        @Override
        public void httpStatus(int status) {
            span.setAttribute("http.response.status_code", (long) status);
            if (status >= 400) {
                span.setAttribute("error.type", Integer.toString(status));
                span.setStatus(StatusCode.ERROR);
            }
        }

        @Override
        public Scope makeCurrent() {
            io.opentelemetry.context.Scope scope = span.makeCurrent();
            return scope::close;
        }

        @Override
        public String header(String forwarded) {
            if (!created) {
                return forwarded;
            }
            return Objects.requireNonNullElse(OtelSupport.traceparent(span.getSpanContext()), forwarded);
        }

        @Override
        public void end() {
            span.end();
        }
    }
}
