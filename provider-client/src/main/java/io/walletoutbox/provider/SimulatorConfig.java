package io.walletoutbox.provider;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of the biller simulator.
 *
 * @param port TCP port to listen on; 0 picks a free one
 * @param faults faults injected from the start (changeable later through {@code POST /v1/faults})
 * @param retention how long an idempotency key is remembered; after it, the same key charges anew
 * @param hangTime how long a "timeout" fault holds a request before dropping it (bounded so the server can stop)
 */
public record SimulatorConfig(int port, SimulatorFaults faults, Duration retention, Duration hangTime) {
    /** Free port, no faults, keys kept 24 hours, timeouts hang 30 seconds. */
    public static final SimulatorConfig DEFAULTS =
            new SimulatorConfig(0, SimulatorFaults.NONE, Duration.ofHours(24), Duration.ofSeconds(30));

    /** Port of the stand-alone simulator when {@code HTTP_PORT} is not set. */
    public static final int DEFAULT_STANDALONE_PORT = 8081;

    public SimulatorConfig {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        Objects.requireNonNull(faults, "faults");
        requirePositive("retention", retention);
        requirePositive("hangTime", hangTime);
    }

    private static void requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }

    /**
     * Reads {@code HTTP_PORT} (default 8081), {@code LATENCY_MS}, {@code ERROR_RATE}, {@code TIMEOUT_RATE}, {@code
     * DROP_RESPONSE_RATE}, {@code IDEMPOTENCY_RETENTION_SECONDS} and {@code HANG_SECONDS} from {@code env} (pass
     * {@code System.getenv()}); absent names keep the defaults. Throws {@link IllegalArgumentException} on a
     * malformed value.
     */
    public static SimulatorConfig fromEnv(Map<String, String> env) {
        var faults = new SimulatorFaults(
                longOf(env, "LATENCY_MS", 0),
                doubleOf(env, "ERROR_RATE"),
                doubleOf(env, "TIMEOUT_RATE"),
                doubleOf(env, "DROP_RESPONSE_RATE"));
        return new SimulatorConfig(
                (int) longOf(env, "HTTP_PORT", DEFAULT_STANDALONE_PORT),
                faults,
                Duration.ofSeconds(longOf(env, "IDEMPOTENCY_RETENTION_SECONDS", DEFAULTS.retention.toSeconds())),
                Duration.ofSeconds(longOf(env, "HANG_SECONDS", DEFAULTS.hangTime.toSeconds())));
    }

    /** This configuration with another port. */
    public SimulatorConfig withPort(int newPort) {
        return new SimulatorConfig(newPort, faults, retention, hangTime);
    }

    /** This configuration with other faults. */
    public SimulatorConfig withFaults(SimulatorFaults newFaults) {
        return new SimulatorConfig(port, newFaults, retention, hangTime);
    }

    /** This configuration with another idempotency retention. */
    public SimulatorConfig withRetention(Duration newRetention) {
        return new SimulatorConfig(port, faults, newRetention, hangTime);
    }

    /** This configuration with another hang time. */
    public SimulatorConfig withHangTime(Duration newHangTime) {
        return new SimulatorConfig(port, faults, retention, newHangTime);
    }

    private static long longOf(Map<String, String> env, String name, long fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, was '" + v + "'", e);
        }
    }

    private static double doubleOf(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return 0.0;
        }
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, was '" + v + "'", e);
        }
    }
}
