package io.walletoutbox.outbox.tracing;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the libraries' {@code Traces} classes share without naming an OpenTelemetry type (docs/tracing.md): whether
 * the API may be used from a module, and the shape of a stored {@code traceparent}. Safe to load whether or not
 * OpenTelemetry is present; {@link OtelSupport} and {@link RegisteredTracer}, which name its types, may be loaded
 * only once {@link #apiReadable} said yes.
 *
 * <p>Public for services that extend the outbox's traces (the wallet's modules use it so).
 */
public final class TraceSupport {
    /** The W3C header that carries a trace context, and the header name events store it under. */
    public static final String TRACEPARENT = "traceparent";

    private static final List<String> API_CLASSES =
            List.of("io.opentelemetry.api.GlobalOpenTelemetry", "io.opentelemetry.context.Context");

    // W3C trace context, version 00 and the same shape of later versions' first four fields.
    private static final Pattern SHAPE = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_SPAN = "0".repeat(16);

    // This module's own answer: the shared OpenTelemetry code below runs here, so this module must read the API too.
    private static final boolean HERE = readable(TraceSupport.class);

    private TraceSupport() {}

    /**
     * Whether OpenTelemetry's API and context modules can be used from {@code user}'s module: present, and read by
     * that module and by this one (a named module reads them only when it {@code requires static} them and they
     * were resolved; on the class path every class reads them). Call once, when the caller's class initialises;
     * only when this is true may the caller load a class that names an OpenTelemetry type, this package's included.
     *
     * @param user the calling class
     * @return true when OpenTelemetry may be used from its module
     */
    public static boolean apiReadable(Class<?> user) {
        Objects.requireNonNull(user, "user");
        return HERE && readable(user);
    }

    private static boolean readable(Class<?> user) {
        try {
            ClassLoader loader = user.getClassLoader();
            Module self = user.getModule();
            for (String name : API_CLASSES) {
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

    /**
     * {@code traceparent} when it is a well-formed W3C trace context (lower-case hex, not version {@code ff}, trace
     * and span ids not all zero), else null: what may be stored as one.
     *
     * @param traceparent a value from outside (a header), or null
     * @return it, or null when it is not a valid trace context
     */
    public static String validTraceparent(String traceparent) {
        if (traceparent == null
                || traceparent.length() != 55
                || !SHAPE.matcher(traceparent).matches()
                || traceparent.startsWith("ff")
                || traceparent.regionMatches(3, ZERO_TRACE, 0, 32)
                || traceparent.regionMatches(36, ZERO_SPAN, 0, 16)) {
            return null;
        }
        return traceparent;
    }
}
