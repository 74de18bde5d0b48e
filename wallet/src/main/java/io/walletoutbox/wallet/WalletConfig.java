package io.walletoutbox.wallet;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the wallet module, validated here.
 *
 * @param eventsTopic the Kafka topic of wallet events ({@code wallet.events})
 * @param idempotencyRetention how long a completed {@code Idempotency-Key} is remembered and its response
 *     replayed: default 24 hours, allowed 1 minute to 30 days. After that the key may be used again.
 */
public record WalletConfig(String eventsTopic, Duration idempotencyRetention) {
    /** The default retention of idempotency keys: 24 hours. */
    public static final Duration DEFAULT_IDEMPOTENCY_RETENTION = Duration.ofHours(24);

    /** {@code wallet.events}, idempotency keys kept 24 hours. */
    public static final WalletConfig DEFAULTS = new WalletConfig("wallet.events");

    public WalletConfig {
        Objects.requireNonNull(eventsTopic, "eventsTopic");
        Objects.requireNonNull(idempotencyRetention, "idempotencyRetention");
        if (!eventsTopic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("not a valid Kafka topic name: " + eventsTopic);
        }
        if (idempotencyRetention.compareTo(Duration.ofMinutes(1)) < 0
                || idempotencyRetention.compareTo(Duration.ofDays(30)) > 0) {
            throw new IllegalArgumentException(
                    "idempotencyRetention must be 1 minute to 30 days, was " + idempotencyRetention);
        }
    }

    /** The given topic, idempotency keys kept {@link #DEFAULT_IDEMPOTENCY_RETENTION}. */
    public WalletConfig(String eventsTopic) {
        this(eventsTopic, DEFAULT_IDEMPOTENCY_RETENTION);
    }
}
