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
 * Configuration of the biller simulator, immutable; made by {@link #builder()} (or {@link #fromEnv}) and copied with
 * changes through {@link #toBuilder()}. Each value is documented on its {@link SimulatorConfigBuilder} method.
 */
public final class SimulatorConfig {
    /** {@code 127.0.0.1}, the default {@link #bindAddress()}. */
    public static final InetAddress LOOPBACK = loopback();

    /** Port of the stand-alone simulator when {@code HTTP_PORT} is not set. */
    public static final int DEFAULT_STANDALONE_PORT = 8081;

    private final int port;
    private final SimulatorFaults faults;
    private final Duration retention;
    private final Duration hangTime;
    private final InetAddress bindAddress;
    private final Optional<String> requiredApiKey;

    SimulatorConfig(SimulatorConfigBuilder b) {
        port = b.port;
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        faults = Objects.requireNonNull(b.faults, "faults");
        retention = ConfigChecks.positive("retention", b.retention);
        hangTime = ConfigChecks.positive("hangTime", b.hangTime);
        bindAddress = Objects.requireNonNull(b.bindAddress, "bindAddress");
        requiredApiKey =
                Objects.requireNonNull(b.requiredApiKey, "requiredApiKey").map(ConfigChecks::apiKey);
    }

    /**
     * A builder with the defaults: a free port on {@link #LOOPBACK}, no faults, keys kept 24 hours, timeouts hang 30
     * seconds, no API key required.
     */
    public static SimulatorConfigBuilder builder() {
        return new SimulatorConfigBuilder();
    }

    /** A builder holding this configuration's values, to make a copy with some of them changed. */
    public SimulatorConfigBuilder toBuilder() {
        return new SimulatorConfigBuilder(this);
    }

    /** TCP port to listen on, 0 for a free one ({@link SimulatorConfigBuilder#port}). */
    public int port() {
        return port;
    }

    /** Faults injected from the start ({@link SimulatorConfigBuilder#faults}). */
    public SimulatorFaults faults() {
        return faults;
    }

    /** How long an idempotency key is remembered ({@link SimulatorConfigBuilder#retention}). */
    public Duration retention() {
        return retention;
    }

    /** How long a timeout or late-landing fault holds a request ({@link SimulatorConfigBuilder#hangTime}). */
    public Duration hangTime() {
        return hangTime;
    }

    /** The local address to listen on ({@link SimulatorConfigBuilder#bindAddress}). */
    public InetAddress bindAddress() {
        return bindAddress;
    }

    /** The API key requests must carry, if any ({@link SimulatorConfigBuilder#requiredApiKey}). */
    public Optional<String> requiredApiKey() {
        return requiredApiKey;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only for a malformed address length
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
        var defaults = builder();
        return defaults.port((int) longOf(env, "HTTP_PORT", DEFAULT_STANDALONE_PORT))
                .faults(faults)
                .retention(Duration.ofSeconds(
                        longOf(env, "IDEMPOTENCY_RETENTION_SECONDS", defaults.retention.toSeconds())))
                .hangTime(Duration.ofSeconds(longOf(env, "HANG_SECONDS", defaults.hangTime.toSeconds())))
                .bindAddress(addressOf(env, "BIND_ADDRESS"))
                .requiredApiKey(apiKeyOf(env))
                .build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SimulatorConfig c
                && port == c.port
                && faults.equals(c.faults)
                && retention.equals(c.retention)
                && hangTime.equals(c.hangTime)
                && bindAddress.equals(c.bindAddress)
                && requiredApiKey.equals(c.requiredApiKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(port, faults, retention, hangTime, bindAddress, requiredApiKey);
    }

    /** Every value, the required key shown only as {@code <redacted>} or {@code <none>}. */
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
        return Optional.of(value.strip()); // validated by build(), whose message never shows it
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
