package io.walletoutbox.app.internal.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * {@code http.server.requests}: a timer per method, route template (never the raw path, so ids never become
 * labels) and status.
 */
public final class HttpMetrics {
    private final MeterRegistry registry;

    public HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void register(JavalinConfig config) {
        config.requestLogger.http((ctx, ms) -> Timer.builder("http.server.requests")
                .description("HTTP requests served, by method, route template and status")
                .tag("method", ctx.method().name())
                .tag("uri", template(ctx))
                .tag("status", Integer.toString(ctx.statusCode()))
                .publishPercentileHistogram()
                .register(registry)
                .record((long) (ms * 1_000_000), TimeUnit.NANOSECONDS));
    }

    private static String template(Context ctx) {
        try {
            String path = ctx.endpoint().path;
            return path == null || path.isEmpty() || path.equals("*") ? "UNMATCHED" : path;
        } catch (RuntimeException e) {
            return "UNMATCHED";
        }
    }
}
