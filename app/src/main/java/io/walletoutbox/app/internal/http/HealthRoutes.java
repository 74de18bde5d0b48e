package io.walletoutbox.app.internal.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code /health/live} (every background part of this instance — consumer poll loop, relay workers, reconciliation
 * job — is still running: 200, or 503 naming the dead part, so an orchestrator restarts the process) and {@code
 * /health/ready} (every dependency answers: 200, or 503 naming each failing part).
 */
public final class HealthRoutes {

    /** One readiness check: empty when healthy, else why not. Must answer within a couple of seconds. */
    public record Check(String name, Supplier<Optional<String>> probe) {}

    private final List<Check> checks;
    private final List<Check> liveness;

    /**
     * @param checks readiness: the dependencies
     * @param liveness the parts whose death only a restart cures
     */
    public HealthRoutes(List<Check> checks, List<Check> liveness) {
        this.checks = List.copyOf(checks);
        this.liveness = List.copyOf(liveness);
    }

    public void register(JavalinConfig config) {
        config.routes.get("/health/live", ctx -> answer(ctx, liveness), io.walletoutbox.app.internal.auth.Access.OPEN);
        config.routes.get("/health/ready", this::ready, io.walletoutbox.app.internal.auth.Access.OPEN);
    }

    private void ready(Context ctx) {
        answer(ctx, checks);
    }

    private static void answer(Context ctx, List<Check> checks) {
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
                    failure.<Map<String, Object>>map(f -> {
                                Map<String, Object> down = new LinkedHashMap<>();
                                down.put("status", "DOWN");
                                down.put("detail", f);
                                return down;
                            })
                            .orElse(Map.of("status", "UP")));
            up &= failure.isEmpty();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("checks", parts);
        Responses.json(ctx, up ? 200 : 503, body);
    }
}
