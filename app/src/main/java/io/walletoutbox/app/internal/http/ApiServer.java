package io.walletoutbox.app.internal.http;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.walletoutbox.app.internal.auth.Access;
import io.walletoutbox.app.internal.auth.Authentication;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Builds the two Javalin apps: the public API (wallet routes and {@code /openapi.json}) and the management server
 * ({@code /metrics}, {@code /health/*}, {@code /admin/*}). Both put every route behind {@link Authentication}, and
 * every answer carries {@code Cache-Control: no-store} and {@code X-Content-Type-Options: nosniff}.
 */
public final class ApiServer {
    private ApiServer() {}

    /** Where the OpenAPI document of the API lives on the class path. */
    public static final String OPENAPI_RESOURCE = "/io/walletoutbox/app/openapi.json";

    /** A registered route: method and path template, and whether it is on the management port. */
    public record Route(String method, String path, boolean management) {}

    /**
     * The public app, not started: the wallet API of the enabled roles and {@code /openapi.json}. Every route added
     * is also put in {@code registeredRoutes} (for the test that keeps the OpenAPI document true).
     *
     * @param walletRoutes the wallet API, present when this instance has the {@code api} role
     * @param serverSpans a span per request, present when tracing is on
     */
    public static Javalin create(
            PrometheusMeterRegistry registry,
            Authentication authentication,
            Optional<WalletRoutes> walletRoutes,
            List<Route> registeredRoutes,
            Optional<ServerSpans> serverSpans) {
        byte[] openapi = openApiDocument();
        return Javalin.create(config -> {
            common(config, registry, authentication, registeredRoutes, false, serverSpans);
            config.routes.get(
                    "/openapi.json", ctx -> ctx.contentType(Responses.JSON).result(openapi), Access.OPEN);
            walletRoutes.ifPresent(routes -> routes.register(config));
        });
    }

    /**
     * The management app, not started: metrics and health without a token (probes, Prometheus), and the operator
     * routes behind scope {@code wallet:admin}.
     */
    public static Javalin management(
            PrometheusMeterRegistry registry,
            Authentication authentication,
            HealthRoutes health,
            List<Consumer<io.javalin.config.JavalinConfig>> adminRoutes,
            List<Route> registeredRoutes) {
        return Javalin.create(config -> {
            common(config, registry, authentication, registeredRoutes, true, Optional.empty());
            health.register(config);
            config.routes.get("/metrics", ctx -> scrape(ctx, registry), Access.OPEN);
            adminRoutes.forEach(r -> r.accept(config));
        });
    }

    private static void common(
            io.javalin.config.JavalinConfig config,
            PrometheusMeterRegistry registry,
            Authentication authentication,
            List<Route> registeredRoutes,
            boolean management,
            Optional<ServerSpans> serverSpans) {
        // First: the span is current in every handler after it, and the request metrics are recorded under it.
        HttpMetrics metrics = new HttpMetrics(registry);
        serverSpans.ifPresentOrElse(spans -> spans.register(config, metrics::record), () -> metrics.register(config));
        config.events.handlerAdded(meta -> {
            if (meta.getHttpMethod().isHttpMethod()) {
                registeredRoutes.add(new Route(meta.getHttpMethod().name(), meta.getPath(), management));
            }
        });
        config.http.maxRequestSize = ApiLimits.MAX_BODY_BYTES;
        config.http.prefer405over404 = true;
        config.http.defaultContentType = Responses.JSON;
        config.router.ignoreTrailingSlashes = true;
        config.concurrency.useVirtualThreads = true;
        // No per-connection header field cache: Jetty caches Authorization values in it, and a bearer token (a JWT
        // of several hundred characters) fills the cache, so every request with another token than the last one on
        // its connection cleared the cache and re-inserted the token character by character (11 % of the API's
        // Java samples and 16 % of its allocation in a JFR profile of ops/bench/payments-bench.sh; see
        // docs/payments-performance.md). Jetty's static cache of well-known header values still applies.
        config.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
        config.startup.showJavalinBanner = false;
        config.jetty.modifyServer(server -> server.setStopTimeout(5_000));
        // Every answer is for its caller alone and is what its Content-Type says: no cache (shared or private) keeps
        // a wallet or a token error, and no browser sniffs a JSON answer into something it would run.
        config.routes.before(ctx -> {
            ctx.header("Cache-Control", "no-store");
            ctx.header("X-Content-Type-Options", "nosniff");
        });
        Problems.register(config);
        authentication.register(config);
    }

    /**
     * {@code /metrics}: the OpenMetrics format (with exemplars, the trace ids of sampled requests, on the histogram
     * buckets when tracing is on) when the scraper accepts it, as Prometheus does; else Prometheus' text format 0.0.4.
     */
    private static void scrape(io.javalin.http.Context ctx, PrometheusMeterRegistry registry) {
        String accept = ctx.header("Accept");
        if (accept != null && accept.contains(OPENMETRICS_TYPE)) {
            ctx.contentType(OPENMETRICS).result(registry.scrape(OPENMETRICS));
        } else {
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape());
        }
    }

    private static final String OPENMETRICS_TYPE = "application/openmetrics-text";
    private static final String OPENMETRICS = OPENMETRICS_TYPE + "; version=1.0.0; charset=utf-8";

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
