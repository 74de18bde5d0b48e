package io.walletoutbox.provider;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * Builds a {@link SimulatorConfig}, from {@link SimulatorConfig#builder()} or {@link SimulatorConfig#toBuilder()}.
 * Setters only record values; {@link #build()} checks them all and says which one is out of range. A builder may
 * be reused: each {@code build()} makes an independent configuration.
 */
public final class SimulatorConfigBuilder {
    int port;
    SimulatorFaults faults = SimulatorFaults.NONE;
    Duration retention = Duration.ofHours(24);
    Duration hangTime = Duration.ofSeconds(30);
    InetAddress bindAddress = SimulatorConfig.LOOPBACK;
    Optional<String> requiredApiKey = Optional.empty();

    SimulatorConfigBuilder() {}

    SimulatorConfigBuilder(SimulatorConfig c) {
        port = c.port();
        faults = c.faults();
        retention = c.retention();
        hangTime = c.hangTime();
        bindAddress = c.bindAddress();
        requiredApiKey = c.requiredApiKey();
    }

    /** TCP port to listen on, 0..65535; 0 (the default) picks a free one. */
    public SimulatorConfigBuilder port(int port) {
        this.port = port;
        return this;
    }

    /**
     * Faults injected from the start (changeable later through {@code POST /v1/faults}). Default {@link
     * SimulatorFaults#NONE}.
     */
    public SimulatorConfigBuilder faults(SimulatorFaults faults) {
        this.faults = faults;
        return this;
    }

    /** How long an idempotency key is remembered, positive; after it, the same key charges anew. Default 24 hours. */
    public SimulatorConfigBuilder retention(Duration retention) {
        this.retention = retention;
        return this;
    }

    /**
     * How long a "timeout" or "late landing" fault holds a request before dropping it, positive (bounded so the
     * server can stop). Default 30 s.
     */
    public SimulatorConfigBuilder hangTime(Duration hangTime) {
        this.hangTime = hangTime;
        return this;
    }

    /**
     * The local address to listen on: loopback ({@link SimulatorConfig#LOOPBACK}, the default), so a simulator is
     * not reachable from other machines by accident; {@code 0.0.0.0} listens on every interface.
     */
    public SimulatorConfigBuilder bindAddress(InetAddress bindAddress) {
        this.bindAddress = bindAddress;
        return this;
    }

    /**
     * The API key requests must carry ({@link Optional#empty()}: none, the default). When present, {@code POST
     * /v1/payments} and {@code GET /v1/payments/{key}} answer {@code 401} (problem JSON, {@code WWW-Authenticate:
     * Bearer}) unless the request carries {@code Authorization: Bearer <key>}; the test endpoints ({@code
     * /v1/charges}, {@code /v1/answers}, {@code /v1/faults}) stay open. Changeable later ({@link
     * BillerSimulator#requireApiKey}). Printable ASCII without spaces; {@link SimulatorConfig#toString()} never
     * shows it.
     */
    public SimulatorConfigBuilder requiredApiKey(Optional<String> requiredApiKey) {
        this.requiredApiKey = requiredApiKey;
        return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException when a value is out of range (the message names it, never the key)
     * @throws NullPointerException when a value is null
     */
    public SimulatorConfig build() {
        return new SimulatorConfig(this);
    }
}
