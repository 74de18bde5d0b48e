package io.walletoutbox.relay;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration of the polling relay.
 *
 * @param instanceId name of this relay instance, in logs and in the metrics' {@code instance} tag
 * @param workers publishing loops (virtual threads) in this instance; each leases up to 8 shards per cycle
 * @param batchSize most events read and sent as one batch; one lease (one transaction) may carry up to four batches
 *     of its shards, each sent after the previous one was acknowledged
 * @param minPollInterval first idle wait; an idle relay doubles it up to {@code maxPollInterval}
 * @param maxPollInterval longest idle wait, so events written by another process are seen within it
 * @param stallTimeout a relay whose transaction stays idle this long (stopped, partitioned) loses its shard
 *     lease: PostgreSQL ends its session, and another instance takes the shard over. Must be longer than the
 *     producer's {@code delivery.timeout.ms} plus {@code max.block.ms}, since the transaction waits for the acks
 *     (see {@link KafkaProducers#settings})
 * @param maxAttempts a record Kafka rejects for good this many times is parked
 * @param retryBackoff first wait after a failed publish (Kafka unavailable), doubled up to {@code maxRetryBackoff}
 * @param maxRetryBackoff longest wait between failed publishes
 * @param parkingPolicies per topic, whether later events of a key wait behind a rejected one; topics not listed
 *     use {@link ParkingPolicy#SKIP}
 * @param probeInterval how often an idle instance reads the outbox's id sequence to notice events written by
 *     another process (a writer outside this JVM, whose commit cannot call {@link Relay#wakeUp()}); one cheap query
 *     per interval, no lock, nothing in the writer's transaction. The probe keeps one connection of the pool
 *     (which then needs {@code workers + 1}). {@link Duration#ZERO}: no probe, idle polling only
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
        Duration maxRetryBackoff,
        Map<String, ParkingPolicy> parkingPolicies,
        Duration probeInterval,
        Set<String> topics) {

    /** The default probe interval of {@link #defaults}: events of another process are seen within about 1 ms. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofMillis(1);

    public RelayConfig {
        Objects.requireNonNull(instanceId, "instanceId");
        if (instanceId.isBlank()) {
            throw new IllegalArgumentException("instanceId must not be blank");
        }
        if (workers < 1 || workers > 256) {
            throw new IllegalArgumentException("workers must be 1..256, was " + workers);
        }
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be 1..10000, was " + batchSize);
        }
        requirePositive(minPollInterval, "minPollInterval");
        requirePositive(maxPollInterval, "maxPollInterval");
        if (maxPollInterval.compareTo(minPollInterval) < 0) {
            throw new IllegalArgumentException("maxPollInterval must be >= minPollInterval");
        }
        requirePositive(stallTimeout, "stallTimeout");
        if (stallTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("stallTimeout must be at least 1 ms");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        requirePositive(retryBackoff, "retryBackoff");
        requirePositive(maxRetryBackoff, "maxRetryBackoff");
        if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
            throw new IllegalArgumentException("maxRetryBackoff must be >= retryBackoff");
        }
        parkingPolicies = ParkingPolicy.copyOf(parkingPolicies);
        Objects.requireNonNull(probeInterval, "probeInterval");
        if (probeInterval.isNegative()) {
            throw new IllegalArgumentException("probeInterval must not be negative");
        }
        topics = RelayTopics.copyOf(topics);
    }

    /**
     * A configuration without the sequence probe ({@code probeInterval} zero), idle polling and wake-ups only, and
     * without topics (set them with {@link #withTopics}).
     */
    public RelayConfig(
            String instanceId,
            int workers,
            int batchSize,
            Duration minPollInterval,
            Duration maxPollInterval,
            Duration stallTimeout,
            int maxAttempts,
            Duration retryBackoff,
            Duration maxRetryBackoff,
            Map<String, ParkingPolicy> parkingPolicies) {
        this(
                instanceId,
                workers,
                batchSize,
                minPollInterval,
                maxPollInterval,
                stallTimeout,
                maxAttempts,
                retryBackoff,
                maxRetryBackoff,
                parkingPolicies,
                Duration.ZERO,
                Set.of());
    }

    /**
     * Sensible defaults: 4 workers, batches of 500, idle polling from 5 ms to 500 ms, 30 s stall timeout, parking
     * after 5 rejections, retries from 100 ms to 10 s, every topic {@link ParkingPolicy#SKIP}, the sequence probe
     * every {@link #DEFAULT_PROBE_INTERVAL}, no topics yet (a relay needs {@link #withTopics}).
     */
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
                Duration.ofSeconds(10),
                Map.of(),
                DEFAULT_PROBE_INTERVAL,
                Set.of());
    }

    /** The parking policy of {@code topic}. */
    public ParkingPolicy policyOf(String topic) {
        return parkingPolicies.getOrDefault(topic, ParkingPolicy.SKIP);
    }

    /** This configuration with {@code topic}'s parking policy set to {@code policy}. */
    public RelayConfig withParkingPolicy(String topic, ParkingPolicy policy) {
        return new RelayConfig(
                instanceId,
                workers,
                batchSize,
                minPollInterval,
                maxPollInterval,
                stallTimeout,
                maxAttempts,
                retryBackoff,
                maxRetryBackoff,
                ParkingPolicy.with(parkingPolicies, topic, policy),
                probeInterval,
                topics);
    }

    /** This configuration with the sequence probe every {@code interval} ({@link Duration#ZERO}: none). */
    public RelayConfig withProbeInterval(Duration interval) {
        return new RelayConfig(
                instanceId,
                workers,
                batchSize,
                minPollInterval,
                maxPollInterval,
                stallTimeout,
                maxAttempts,
                retryBackoff,
                maxRetryBackoff,
                parkingPolicies,
                interval,
                topics);
    }

    /** This configuration publishing to {@code topics} only (replacing the topics it had). */
    public RelayConfig withTopics(Set<String> topics) {
        return new RelayConfig(
                instanceId,
                workers,
                batchSize,
                minPollInterval,
                maxPollInterval,
                stallTimeout,
                maxAttempts,
                retryBackoff,
                maxRetryBackoff,
                parkingPolicies,
                probeInterval,
                topics);
    }

    /** This configuration publishing to {@code topic} and {@code more} only (replacing the topics it had). */
    public RelayConfig withTopics(String topic, String... more) {
        return withTopics(RelayTopics.of(topic, more));
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
