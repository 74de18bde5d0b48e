package io.walletoutbox.app.internal.http;

import io.javalin.http.Context;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * W3C Trace Context for the API, so every payment is traceable from the request through the outbox row and the
 * Kafka record to the biller call. With tracing on, a payment's context is its request's SERVER span ({@link
 * ServerSpans}); with tracing off, it is the caller's {@code traceparent} when it is a valid version-00 value, else a
 * new one, forwarded unchanged (no span is recorded then).
 */
public final class TraceContext {
    private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_PARENT = "0".repeat(16);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private TraceContext() {}

    /** A payment's trace context, current until {@link #close()}: see {@link #enter(Context)}. */
    public record Current(String traceparent, Scope scope) implements AutoCloseable {
        @Override
        public void close() {
            scope.close();
        }
    }

    /**
     * The trace context of the payment {@code ctx} requests, current until closed: the current span's when one is
     * (the request's SERVER span, when tracing is on), else {@link #of(Context)}'s value, made current as a
     * non-recording span so that the wallet's outbox append stores it and log lines under it carry its ids.
     */
    public static Current enter(Context ctx) {
        SpanContext current = Span.current().getSpanContext();
        if (current.isValid()) {
            return new Current(format(current), Scope.noop());
        }
        String traceparent = of(ctx);
        SpanContext remote = SpanContext.createFromRemoteParent(
                traceId(traceparent),
                traceparent.substring(36, 52),
                TraceFlags.fromHex(traceparent, 53),
                TraceState.getDefault());
        return new Current(
                traceparent,
                io.opentelemetry.context.Context.current()
                        .with(Span.wrap(remote))
                        .makeCurrent());
    }

    /** The version-00 {@code traceparent} of a valid span context. */
    public static String format(SpanContext span) {
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-"
                + span.getTraceFlags().asHex();
    }

    /** The request's valid {@code traceparent}, or a new sampled one. */
    public static String of(Context ctx) {
        String given = ctx.header("traceparent");
        return given != null && isValid(given.trim()) ? given.trim() : generate();
    }

    /** True for a version-00 {@code traceparent} whose trace id and parent id are not all zeros. */
    public static boolean isValid(String traceparent) {
        var m = TRACEPARENT.matcher(traceparent);
        return m.matches() && !m.group(1).equals(ZERO_TRACE) && !m.group(2).equals(ZERO_PARENT);
    }

    /**
     * A new {@code traceparent}: random trace id and parent id (neither all zeros), sampled flag set. Built from
     * one draw of 24 random bytes, without a regular expression: it is made for every payment without one.
     */
    public static String generate() {
        byte[] ids = new byte[24];
        do {
            RANDOM.nextBytes(ids);
        } while (allZero(ids, 0, 16) || allZero(ids, 16, 24));
        return "00-" + HEX.formatHex(ids, 0, 16) + "-" + HEX.formatHex(ids, 16, 24) + "-01";
    }

    private static boolean allZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** The trace id (32 hex digits) of a valid {@code traceparent}. */
    public static String traceId(String traceparent) {
        return traceparent.substring(3, 35);
    }
}
