package io.walletoutbox.outbox.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.walletoutbox.outbox.OutboxEvent;
import java.util.List;

/**
 * The mechanics the libraries' {@code Traces} classes share (docs/tracing.md): trace contexts to and from W3C
 * {@code traceparent} strings, a failure recorded on a span, and the {@code create <topic>} span of an outbox
 * append, which both the outbox's writers and the wallet's payment function make. Public for a service that appends
 * in SQL of its own ({@code OutboxWriter.serverSide}) and makes that span itself, as the wallet does.
 *
 * <p>Names OpenTelemetry types: use it only from a class loaded after {@link TraceSupport#apiReadable} said yes.
 */
public final class OtelSupport {
    /** Semantic conventions: the messaging system ({@code kafka}). */
    public static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");

    /** Semantic conventions: the kind of messaging operation ({@code create}, {@code publish}, {@code process}). */
    public static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");

    /** Semantic conventions: the operation's own name. */
    public static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");

    /** Semantic conventions: the topic. */
    public static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");

    /** Semantic conventions: the message id (the event id). */
    public static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");

    /** Semantic conventions: the class of the error that failed a span. */
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    /** The traceparent itself is the carrier: the getter answers its one key. */
    private static final TextMapGetter<String> TRACEPARENT = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of(TraceSupport.TRACEPARENT);
        }

        @Override
        public String get(String carrier, String key) {
            return TraceSupport.TRACEPARENT.equals(key) ? carrier : null;
        }
    };

    private OtelSupport() {}

    /**
     * The root context with the span context {@code traceparent} names; the root alone when it is null or malformed.
     *
     * @param traceparent a W3C {@code traceparent}, or null
     * @return a context to parent a span on
     */
    public static Context extract(String traceparent) {
        if (traceparent == null) {
            return Context.root();
        }
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), traceparent, TRACEPARENT);
    }

    /**
     * The valid span context {@code traceparent} names (a parent or a link), or null: what the W3C propagator
     * extracts from it (a remote context, the default trace state). A version-00 value, which is what the libraries
     * store, is read here without the propagator's carrier machinery (the relay reads one per record it publishes
     * and per link of its cycle span); any other is left to the propagator.
     *
     * @param traceparent a W3C {@code traceparent}, or null
     * @return its span context, or null when it names none
     */
    public static SpanContext spanContext(String traceparent) {
        if (traceparent != null && isVersion00(traceparent)) {
            String traceId = traceparent.substring(3, 35);
            String spanId = traceparent.substring(36, 52);
            if (!TraceId.isValid(traceId)
                    || !SpanId.isValid(spanId)
                    || !isHex(traceparent, 53)
                    || !isHex(traceparent, 54)) {
                return null;
            }
            return SpanContext.createFromRemoteParent(
                    traceId, spanId, TraceFlags.fromHex(traceparent, 53), TraceState.getDefault());
        }
        SpanContext context = Span.fromContext(extract(traceparent)).getSpanContext();
        return context.isValid() ? context : null;
    }

    private static boolean isVersion00(String traceparent) {
        return traceparent.length() == 55
                && traceparent.charAt(0) == '0'
                && traceparent.charAt(1) == '0'
                && traceparent.charAt(2) == '-'
                && traceparent.charAt(35) == '-'
                && traceparent.charAt(52) == '-';
    }

    private static boolean isHex(String s, int at) {
        char c = s.charAt(at);
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }

    /**
     * {@code context} as a W3C {@code traceparent} (version 00, as the W3C propagator writes it), or null when it is
     * not valid.
     *
     * @param context a span's context
     * @return the {@code traceparent}, or null
     */
    public static String traceparent(SpanContext context) {
        if (!context.isValid()) {
            return null;
        }
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-"
                + context.getTraceFlags().asHex();
    }

    /**
     * Marks {@code span} failed by {@code error}: status ERROR with its message, {@code error.type}, the exception.
     *
     * @param span the span
     * @param error what failed it
     */
    public static void failed(Span span, Throwable error) {
        failed(span, String.valueOf(error.getMessage()), error);
    }

    /**
     * Marks {@code span} failed: status ERROR with {@code description}; when {@code error} is not null also {@code
     * error.type} (its class) and the exception event.
     *
     * @param span the span
     * @param description the status description
     * @param error what failed it, or null
     */
    public static void failed(Span span, String description, Throwable error) {
        span.setStatus(StatusCode.ERROR, description);
        if (error != null) {
            span.setAttribute(ERROR_TYPE, error.getClass().getName());
            span.recordException(error);
        }
    }

    /**
     * Starts the {@code create <topic>} PRODUCER span of appending {@code event}: a child of the current span, or
     * else of the event's own {@code traceparent} header, or else the root of a new trace. Its context is what the
     * stored event's {@code traceparent} must be ({@link #traceparent}).
     *
     * @param tracer the caller's tracer
     * @param event the event being appended
     * @return the started span; the caller ends it
     */
    public static Span startCreate(Tracer tracer, OutboxEvent event) {
        SpanBuilder builder = tracer.spanBuilder("create " + event.topic())
                .setSpanKind(SpanKind.PRODUCER)
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(OPERATION_TYPE, "create")
                .setAttribute(OPERATION_NAME, "create")
                .setAttribute(DESTINATION, event.topic())
                .setAttribute(MESSAGE_ID, event.id().toString());
        String given = event.headers().get(TraceSupport.TRACEPARENT);
        if (Span.current().getSpanContext().isValid()) {
            builder.setParent(Context.current());
        } else if (given != null) {
            builder.setParent(extract(given));
        } else {
            builder.setNoParent();
        }
        return builder.startSpan();
    }
}
