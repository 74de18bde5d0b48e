package io.walletoutbox.wallet;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the wallet module, validated here.
 *
 * @param eventsTopic the Kafka topic of wallet events ({@code wallet.events})
 * @param idempotencyRetention how long a completed {@code Idempotency-Key} is remembered and its response
 *     replayed: default 24 hours, allowed 1 minute to 30 days. After that the key may be used again.
 * @param dailyPaymentLimit the most one wallet may pay in bill payments per UTC day, in minor units of the
 *     wallet's currency: 1..{@link Money#MAX_AMOUNT}, default {@value #DEFAULT_DAILY_PAYMENT_LIMIT}. Payments that
 *     are {@code PENDING} or {@code SUCCEEDED} count; a declined (refunded) one frees its amount. Enforced by
 *     {@link Wallets#requestBillPayment} in the paying transaction; each process enforces its own value, so every
 *     instance of the service should be given the same one.
 */
public record WalletConfig(String eventsTopic, Duration idempotencyRetention, long dailyPaymentLimit) {
    /** The default retention of idempotency keys: 24 hours. */
    public static final Duration DEFAULT_IDEMPOTENCY_RETENTION = Duration.ofHours(24);

    /** The default daily bill-payment limit per wallet: 1,000,000 minor units (10,000.00 in a 2-decimal currency). */
    public static final long DEFAULT_DAILY_PAYMENT_LIMIT = 1_000_000;

    /** {@code wallet.events}, idempotency keys kept 24 hours, the default daily payment limit. */
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
        if (dailyPaymentLimit < 1 || dailyPaymentLimit > Money.MAX_AMOUNT) {
            throw new IllegalArgumentException(
                    "dailyPaymentLimit must be 1 to " + Money.MAX_AMOUNT + " minor units, was " + dailyPaymentLimit);
        }
    }

    /** The given topic and retention, the {@link #DEFAULT_DAILY_PAYMENT_LIMIT}. */
    public WalletConfig(String eventsTopic, Duration idempotencyRetention) {
        this(eventsTopic, idempotencyRetention, DEFAULT_DAILY_PAYMENT_LIMIT);
    }

    /** The given topic, idempotency keys kept {@link #DEFAULT_IDEMPOTENCY_RETENTION}, the default daily limit. */
    public WalletConfig(String eventsTopic) {
        this(eventsTopic, DEFAULT_IDEMPOTENCY_RETENTION);
    }

    /**
     * This configuration with another daily bill-payment limit.
     *
     * @throws IllegalArgumentException unless 1..{@link Money#MAX_AMOUNT}
     */
    public WalletConfig withDailyPaymentLimit(long limit) {
        return new WalletConfig(eventsTopic, idempotencyRetention, limit);
    }
}
