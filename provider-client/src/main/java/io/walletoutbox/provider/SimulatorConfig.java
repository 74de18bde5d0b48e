package io.walletoutbox.provider;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Configuration of the biller simulator.
 *
 * @param port TCP port to listen on; 0 picks a free one
 * @param faults faults injected from the start (changeable later through {@code POST /v1/faults})
 * @param retention how long an idempotency key is remembered; after it, the same key charges anew
 * @param hangTime how long a "timeout" or "late landing" fault holds a request before dropping it (bounded so the
 *     server can stop)
 * @param bindAddress the local address to listen on: loopback ({@code 127.0.0.1}) unless told otherwise, so a
 *     simulator is not reachable from other machines by accident; {@code 0.0.0.0} listens on every interface
 * @param requiredApiKey when present, {@code POST /v1/payments} and {@code GET /v1/payments/{key}} answer {@code
 *     401} (problem JSON, {@code WWW-Authenticate: Bearer}) unless the request carries {@code Authorization:
 *     Bearer <key>}; the test endpoints ({@code /v1/charges}, {@code /v1/answers}, {@code /v1/faults}) stay open.
 *     Changeable later ({@link BillerSimulator#requireApiKey}). {@link #toString()} never shows it
 */
public record SimulatorConfig(
        int port,
        SimulatorFaults faults,
        Duration retention,
        Duration hangTime,
        InetAddress bindAddress,
        Optional<String> requiredApiKey) {
    /** {@code 127.0.0.1}, the default {@link #bindAddress}. */
    public static final InetAddress LOOPBACK = loopback();

    /** Free port on loopback, no faults, keys kept 24 hours, timeouts hang 30 seconds, no API key required. */
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
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(requiredApiKey, "requiredApiKey");
        requiredApiKey.ifPresent(BillerClientConfig::checkApiKey);
    }

    /** On loopback, without a required API key (the constructor before those existed). */
    public SimulatorConfig(int port, SimulatorFaults faults, Duration retention, Duration hangTime) {
        this(port, faults, retention, hangTime, LOOPBACK, Optional.empty());
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only for a malformed address length
        }
    }

    private static void requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }

    /**
     * Reads {@code HTTP_PORT} (default 8081), {@code LATENCY_MS}, {@code ERROR_RATE}, {@code TIMEOUT_RATE}, {@code
     * DROP_RESPONSE_RATE}, {@code LATE_LANDING_RATE}, {@code LAND_AFTER_MS} (the {@link SimulatorFaults}
     * components), {@code IDEMPOTENCY_RETENTION_SECONDS}, {@code HANG_SECONDS}, {@code BIND_ADDRESS}
     * (default {@code 127.0.0.1}; an IP address or host name) and the required API key from {@code API_KEY} or
     * the file named by {@code API_KEY_FILE} (its content, surrounding whitespace removed; not both) from {@code
     * env} (pass {@code System.getenv()}); absent names keep the defaults. Throws {@link
     * IllegalArgumentException} on a malformed value (the message never contains the key).
     */
    public static SimulatorConfig fromEnv(Map<String, String> env) {
        var faults = new SimulatorFaults(
                longOf(env, "LATENCY_MS", 0),
                doubleOf(env, "ERROR_RATE"),
                doubleOf(env, "TIMEOUT_RATE"),
                doubleOf(env, "DROP_RESPONSE_RATE"),
                doubleOf(env, "LATE_LANDING_RATE"),
                longOf(env, "LAND_AFTER_MS", 0));
        return new SimulatorConfig(
                (int) longOf(env, "HTTP_PORT", DEFAULT_STANDALONE_PORT),
                faults,
                Duration.ofSeconds(longOf(env, "IDEMPOTENCY_RETENTION_SECONDS", DEFAULTS.retention.toSeconds())),
                Duration.ofSeconds(longOf(env, "HANG_SECONDS", DEFAULTS.hangTime.toSeconds())),
                addressOf(env, "BIND_ADDRESS"),
                apiKeyOf(env));
    }

    /** This configuration with another port. */
    public SimulatorConfig withPort(int newPort) {
        return new SimulatorConfig(newPort, faults, retention, hangTime, bindAddress, requiredApiKey);
    }

    /** This configuration with other faults. */
    public SimulatorConfig withFaults(SimulatorFaults newFaults) {
        return new SimulatorConfig(port, newFaults, retention, hangTime, bindAddress, requiredApiKey);
    }

    /** This configuration with another idempotency retention. */
    public SimulatorConfig withRetention(Duration newRetention) {
        return new SimulatorConfig(port, faults, newRetention, hangTime, bindAddress, requiredApiKey);
    }

    /** This configuration with another hang time. */
    public SimulatorConfig withHangTime(Duration newHangTime) {
        return new SimulatorConfig(port, faults, retention, newHangTime, bindAddress, requiredApiKey);
    }

    /** This configuration listening on another local address. */
    public SimulatorConfig withBindAddress(InetAddress newBindAddress) {
        return new SimulatorConfig(port, faults, retention, hangTime, newBindAddress, requiredApiKey);
    }

    /** This configuration requiring another API key ({@link Optional#empty()}: none). */
    public SimulatorConfig withRequiredApiKey(Optional<String> key) {
        return new SimulatorConfig(port, faults, retention, hangTime, bindAddress, key);
    }

    /** Every component, the required key shown only as {@code <redacted>} or {@code <none>}. */
    @Override
    public String toString() {
        return "SimulatorConfig[port=" + port + ", faults=" + faults + ", retention=" + retention + ", hangTime="
                + hangTime + ", bindAddress=" + bindAddress.getHostAddress() + ", requiredApiKey="
                + (requiredApiKey.isPresent() ? "<redacted>" : "<none>") + "]";
    }

    private static InetAddress addressOf(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return LOOPBACK;
        }
        try {
            return InetAddress.getByName(v.strip());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(name + " must be a local IP address or host name, was '" + v + "'", e);
        }
    }

    private static Optional<String> apiKeyOf(Map<String, String> env) {
        String value = env.get("API_KEY");
        String file = env.get("API_KEY_FILE");
        boolean hasValue = value != null && !value.isBlank();
        boolean hasFile = file != null && !file.isBlank();
        if (hasValue && hasFile) {
            throw new IllegalArgumentException("set API_KEY or API_KEY_FILE, not both");
        }
        if (hasFile) {
            try {
                value = Files.readString(Path.of(file.strip()), StandardCharsets.UTF_8);
            } catch (IOException e) {
                // The exception's message names the file, never its content.
                throw new IllegalArgumentException("API_KEY_FILE cannot be read: " + e);
            }
            if (value.isBlank()) {
                throw new IllegalArgumentException("API_KEY_FILE " + file.strip() + " is empty");
            }
        } else if (!hasValue) {
            return Optional.empty();
        }
        return Optional.of(value.strip()); // validated by the constructor, whose message never shows it
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
