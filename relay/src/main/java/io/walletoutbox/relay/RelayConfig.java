package io.walletoutbox.relay;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the polling relay.
 *
 * @param instanceId name of this relay instance, in logs and metrics
 * @param workers publishing loops (virtual threads) in this instance; each holds at most one shard at a time
 * @param batchSize most events claimed and published in one transaction
 * @param minPollInterval first idle wait; an idle relay doubles it up to {@code maxPollInterval}
 * @param maxPollInterval longest idle wait, so events written by another process are seen within it
 * @param stallTimeout a relay whose transaction stays idle this long (stopped, partitioned) loses its shard
 *     lease: PostgreSQL ends its session, and another instance takes the shard over
 * @param maxAttempts a record Kafka rejects for good this many times is parked
 * @param retryBackoff first wait after a failed publish (Kafka unavailable), doubled up to {@code maxRetryBackoff}
 * @param maxRetryBackoff longest wait between failed publishes
 */
public record RelayConfig(
        String instanceId,
        int workers,
        int batchSize,
        Duration minPollInterval,
        Duration maxPollInterval,
        Duration stallTimeout,
        int maxAttempts,
        Duration retryBackoff,
        Duration maxRetryBackoff) {

    public RelayConfig {
        Objects.requireNonNull(instanceId, "instanceId");
        if (instanceId.isBlank()) {
            throw new IllegalArgumentException("instanceId must not be blank");
        }
        if (workers < 1 || workers > 256) {
            throw new IllegalArgumentException("workers must be 1..256");
        }
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be 1..10000");
        }
        requirePositive(minPollInterval, "minPollInterval");
        requirePositive(maxPollInterval, "maxPollInterval");
        if (maxPollInterval.compareTo(minPollInterval) < 0) {
            throw new IllegalArgumentException("maxPollInterval must be >= minPollInterval");
        }
        requirePositive(stallTimeout, "stallTimeout");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1");
        }
        requirePositive(retryBackoff, "retryBackoff");
        requirePositive(maxRetryBackoff, "maxRetryBackoff");
    }

    /** Sensible defaults: 4 workers, batches of 500, idle polling from 5 ms to 500 ms, 30 s stall timeout. */
    public static RelayConfig defaults(String instanceId) {
        return new RelayConfig(
                instanceId,
                4,
                500,
                Duration.ofMillis(5),
                Duration.ofMillis(500),
                Duration.ofSeconds(30),
                5,
                Duration.ofMillis(100),
                Duration.ofSeconds(10));
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
