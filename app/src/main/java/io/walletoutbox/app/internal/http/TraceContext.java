package io.walletoutbox.app.internal.http;

import io.javalin.http.Context;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * W3C Trace Context for the API: the caller's {@code traceparent} when it is a valid version-00 value, else a new
 * one, so every payment is traceable from the request through the outbox row and the Kafka record to the biller
 * call. The service records no spans of its own, so a caller's value is forwarded unchanged.
 */
public final class TraceContext {
    private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_PARENT = "0".repeat(16);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private TraceContext() {}

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
