package io.walletoutbox.app.internal.http;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** Builds the one Javalin app: the API of the enabled roles, admin, health and metrics routes. */
public final class ApiServer {
    private ApiServer() {}

    /**
     * The app with its routes, not started.
     *
     * @param walletRoutes the wallet API, present when this instance has the {@code api} role
     * @param extraRoutes further route groups (admin)
     */
    public static Javalin create(
            PrometheusMeterRegistry registry,
            Optional<WalletRoutes> walletRoutes,
            HealthRoutes health,
            List<Consumer<io.javalin.config.JavalinConfig>> extraRoutes) {
        return Javalin.create(config -> {
            config.http.maxRequestSize = ApiLimits.MAX_BODY_BYTES;
            config.http.defaultContentType = Responses.JSON;
            config.router.ignoreTrailingSlashes = true;
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.jetty.modifyServer(server -> server.setStopTimeout(5_000));
            Problems.register(config);
            new HttpMetrics(registry).register(config);
            health.register(config);
            config.routes.get(
                    "/metrics",
                    ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                            .result(registry.scrape()));
            walletRoutes.ifPresent(routes -> routes.register(config));
            extraRoutes.forEach(r -> r.accept(config));
        });
    }
}
