package io.walletoutbox.app.internal.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.walletoutbox.app.internal.audit.LogText;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /health/live} (every background part of this instance — consumer poll loop, relay workers, reconciliation
 * job — is still running: 200, or 503 naming the dead part, so an orchestrator restarts the process) and {@code
 * /health/ready} (every dependency answers: 200, or 503 naming each failing part). Both routes need no token, so
 * their answers name parts and say {@value #DOWN_DETAIL} — never a check's own text, which may hold an exception's
 * message (host names, user names): that goes to the log, once per change. Readiness queries the database and
 * Kafka, so it is computed at most once per {@link #READY_FOR}; hits in between get the last answer.
 */
public final class HealthRoutes {
    private static final Logger log = LoggerFactory.getLogger(HealthRoutes.class);

    /** How long a readiness answer is reused. */
    public static final Duration READY_FOR = Duration.ofSeconds(1);

    /** The detail of every failing part in an answer. */
    static final String DOWN_DETAIL = "not ready; the service log says why";

    /** How a failing part is answered, status first. */
    private static final Map<String, Object> DOWN = down();

    /** One check: empty when healthy, else why not (logged, not answered). Must answer within a couple of seconds. */
    public record Check(String name, Supplier<Optional<String>> probe) {}

    /** A computed answer: the status code and the JSON body. */
    record Answer(int status, Map<String, Object> body) {}

    private final List<Check> checks;
    private final List<Check> liveness;
    private final LongSupplier nanoClock;
    private final Map<String, String> lastLogged = new HashMap<>();
    private Answer ready;
    private long readyAt;

    /**
     * @param checks readiness: the dependencies
     * @param liveness the parts whose death only a restart cures
     */
    public HealthRoutes(List<Check> checks, List<Check> liveness) {
        this(checks, liveness, System::nanoTime);
    }

    HealthRoutes(List<Check> checks, List<Check> liveness, LongSupplier nanoClock) {
        this.checks = List.copyOf(checks);
        this.liveness = List.copyOf(liveness);
        this.nanoClock = nanoClock;
    }

    public void register(JavalinConfig config) {
        config.routes.get("/health/live", ctx -> write(ctx, live()), io.walletoutbox.app.internal.auth.Access.OPEN);
        config.routes.get("/health/ready", ctx -> write(ctx, ready()), io.walletoutbox.app.internal.auth.Access.OPEN);
    }

    /**
     * The readiness answer, computed again only when the last one is older than {@link #READY_FOR}. Concurrent hits
     * wait for one computation rather than each querying the dependencies.
     */
    synchronized Answer ready() {
        long now = nanoClock.getAsLong();
        if (ready == null || now - readyAt >= READY_FOR.toNanos()) {
            readyAt = now;
            ready = compute(checks);
        }
        return ready;
    }

    Answer live() {
        return compute(liveness);
    }

    private Answer compute(List<Check> parts) {
        Map<String, Object> answers = new LinkedHashMap<>();
        boolean up = true;
        for (Check check : parts) {
            Optional<String> failure;
            try {
                failure = check.probe().get();
            } catch (RuntimeException e) {
                failure = Optional.of("the check failed: " + e);
            }
            note(check.name(), failure);
            answers.put(check.name(), failure.isPresent() ? DOWN : Map.of("status", "UP"));
            up &= failure.isEmpty();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("checks", answers);
        return new Answer(up ? 200 : 503, body);
    }

    /** Logs a part's failure when it is new or its reason changed, and its recovery. */
    private void note(String name, Optional<String> failure) {
        String previous;
        synchronized (lastLogged) {
            previous = failure.isPresent() ? lastLogged.put(name, failure.get()) : lastLogged.remove(name);
        }
        if (failure.isPresent() && !failure.get().equals(previous)) {
            log.warn("health check down check={} detail={}", name, LogText.escape(failure.get()));
        } else if (failure.isEmpty() && previous != null) {
            log.info("health check up again check={}", name);
        }
    }

    private static Map<String, Object> down() {
        Map<String, Object> down = new LinkedHashMap<>();
        down.put("status", "DOWN");
        down.put("detail", DOWN_DETAIL);
        return java.util.Collections.unmodifiableMap(down);
    }

    private static void write(Context ctx, Answer answer) {
        Responses.json(ctx, answer.status(), answer.body());
    }
}
