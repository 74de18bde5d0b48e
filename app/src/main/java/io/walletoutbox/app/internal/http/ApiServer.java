package io.walletoutbox.app.internal.http;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** Builds the one Javalin app: the API of the enabled roles, admin, health and metrics routes. */
public final class ApiServer {
    private ApiServer() {}

    /** Where the OpenAPI document of the API lives on the class path. */
    public static final String OPENAPI_RESOURCE = "/io/walletoutbox/app/openapi.json";

    /** A registered route: method and path template. */
    public record Route(String method, String path) {}

    /**
     * The app with its routes, not started. Every route added is also put in {@code registeredRoutes} (for the test that
     * keeps the OpenAPI document true).
     *
     * @param walletRoutes the wallet API, present when this instance has the {@code api} role
     * @param extraRoutes further route groups (admin)
     */
    public static Javalin create(
            PrometheusMeterRegistry registry,
            Optional<WalletRoutes> walletRoutes,
            HealthRoutes health,
            List<Consumer<io.javalin.config.JavalinConfig>> extraRoutes,
            List<Route> registeredRoutes) {
        byte[] openapi = openApiDocument();
        return Javalin.create(config -> {
            config.events.handlerAdded(meta -> {
                if (meta.getHttpMethod().isHttpMethod()) {
                    registeredRoutes.add(new Route(meta.getHttpMethod().name(), meta.getPath()));
                }
            });
            config.http.maxRequestSize = ApiLimits.MAX_BODY_BYTES;
            config.http.prefer405over404 = true;
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
            config.routes.get(
                    "/openapi.json", ctx -> ctx.contentType(Responses.JSON).result(openapi));
            walletRoutes.ifPresent(routes -> routes.register(config));
            extraRoutes.forEach(r -> r.accept(config));
        });
    }

    private static byte[] openApiDocument() {
        try (var in = ApiServer.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing " + OPENAPI_RESOURCE);
            }
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
