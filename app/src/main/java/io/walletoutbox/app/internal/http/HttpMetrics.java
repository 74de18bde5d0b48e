package io.walletoutbox.app.internal.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code http.server.requests}: a timer per method, route template (never the raw path, so ids never become
 * labels) and status. Paths no route matches are {@code UNMATCHED}; methods outside the standard set are {@code
 * OTHER} (a client may send any token as a method, and each would otherwise become a series).
 */
public final class HttpMetrics {
    private static final Set<String> METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");

    private final MeterRegistry registry;

    public HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The timers made so far: looking one up here costs less than building its id and asking the registry. */
    private final Map<Key, Timer> timers = new ConcurrentHashMap<>();

    private record Key(String method, String uri, int status) {}

    /** Records every request of {@code config} once it is answered. */
    public void register(JavalinConfig config) {
        config.requestLogger.http(this::record);
    }

    /** Records one answered request that took {@code ms} milliseconds (a {@link io.javalin.http.RequestLogger}). */
    void record(Context ctx, Float ms) {
        timers.computeIfAbsent(new Key(method(ctx), template(ctx), ctx.statusCode()), this::timer)
                .record((long) (ms * 1_000_000), TimeUnit.NANOSECONDS);
    }

    private Timer timer(Key key) {
        return Timer.builder("http.server.requests")
                .description("HTTP requests served, by method, route template and status")
                .tag("method", key.method())
                .tag("uri", key.uri())
                .tag("status", Integer.toString(key.status()))
                .publishPercentileHistogram()
                .register(registry);
    }

    static String method(Context ctx) {
        String method = ctx.method().name();
        return METHODS.contains(method) ? method : "OTHER";
    }

    static String template(Context ctx) {
        try {
            // The route the request matched, also when a before-handler refused it (401/403/429 from
            // Authentication): ctx.endpoint() would then be that handler's wildcard.
            var matched = ctx.endpoints().matchedHttpEndpoint();
            String path = matched != null ? matched.path : ctx.endpoint().path;
            return path == null || path.isEmpty() || path.equals("*") ? "UNMATCHED" : path;
        } catch (RuntimeException e) {
            return "UNMATCHED";
        }
    }
}
