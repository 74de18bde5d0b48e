package io.walletoutbox.app.internal.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code /health/live} (the process answers) and {@code /health/ready} (every dependency answers: 200, or 503
 * naming each failing part).
 */
public final class HealthRoutes {

    /** One readiness check: empty when healthy, else why not. Must answer within a couple of seconds. */
    public record Check(String name, Supplier<Optional<String>> probe) {}

    private final List<Check> checks;

    public HealthRoutes(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    public void register(JavalinConfig config) {
        config.routes.get(
                "/health/live",
                ctx -> Responses.json(ctx, 200, Map.of("status", "UP")),
                io.walletoutbox.app.internal.auth.Access.OPEN);
        config.routes.get("/health/ready", this::ready, io.walletoutbox.app.internal.auth.Access.OPEN);
    }

    private void ready(Context ctx) {
        Map<String, Object> parts = new LinkedHashMap<>();
        boolean up = true;
        for (Check check : checks) {
            Optional<String> failure;
            try {
                failure = check.probe().get();
            } catch (RuntimeException e) {
                failure = Optional.of(e.toString());
            }
            parts.put(
                    check.name(),
                    failure.map(f -> Map.of("status", "DOWN", "detail", f)).orElse(Map.of("status", "UP")));
            up &= failure.isEmpty();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("checks", parts);
        Responses.json(ctx, up ? 200 : 503, body);
    }
}
