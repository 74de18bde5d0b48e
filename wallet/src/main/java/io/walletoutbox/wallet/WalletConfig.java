package io.walletoutbox.wallet;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the wallet module, validated here.
 *
 * @param eventsTopic the Kafka topic of wallet events ({@code wallet.events})
 * @param idempotencyRetention how long a completed {@code Idempotency-Key} is remembered and its response
 *     replayed (default 24 h; 1 minute to 30 days); after that the key may be used again
 * @param idempotencyLease how long a request holding a key may run before another request with the same key may
 *     take over (default 1 minute; 1 s to 1 h). Safe even when exceeded: the work and the stored response
 *     commit in one transaction that first checks the lease is still its own, so a taken-over request rolls back
 */
public record WalletConfig(String eventsTopic, Duration idempotencyRetention, Duration idempotencyLease) {
    /** {@code wallet.events}, keys kept 24 h, leases of 1 minute. */
    public static final WalletConfig DEFAULTS =
            new WalletConfig("wallet.events", Duration.ofHours(24), Duration.ofMinutes(1));

    public WalletConfig {
        Objects.requireNonNull(eventsTopic, "eventsTopic");
        Objects.requireNonNull(idempotencyRetention, "idempotencyRetention");
        Objects.requireNonNull(idempotencyLease, "idempotencyLease");
        if (!eventsTopic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("not a valid Kafka topic name: " + eventsTopic);
        }
        if (idempotencyRetention.compareTo(Duration.ofMinutes(1)) < 0
                || idempotencyRetention.compareTo(Duration.ofDays(30)) > 0) {
            throw new IllegalArgumentException(
                    "idempotencyRetention must be 1 minute to 30 days, was " + idempotencyRetention);
        }
        if (idempotencyLease.compareTo(Duration.ofSeconds(1)) < 0
                || idempotencyLease.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("idempotencyLease must be 1 s to 1 h, was " + idempotencyLease);
        }
        if (idempotencyLease.compareTo(idempotencyRetention) >= 0) {
            throw new IllegalArgumentException("idempotencyLease must be shorter than idempotencyRetention");
        }
    }

    /** This configuration with another events topic. */
    public WalletConfig withEventsTopic(String topic) {
        return new WalletConfig(topic, idempotencyRetention, idempotencyLease);
    }
}
