package io.walletoutbox.relay;

import io.walletoutbox.outbox.OutboxTables;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration of the polling relay, immutable; made by {@link #builder(String)} and copied with changes through
 * {@link #toBuilder()}. Each value is documented on its {@link RelayConfigBuilder} method.
 */
public final class RelayConfig {

    /** The default {@link #probeInterval()}: events of another process are seen within about 1 ms. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofMillis(1);

    private final String instanceId;
    private final int workers;
    private final int batchSize;
    private final Duration minPollInterval;
    private final Duration maxPollInterval;
    private final Duration stallTimeout;
    private final int maxAttempts;
    private final Duration retryBackoff;
    private final Duration maxRetryBackoff;
    private final Map<String, ParkingPolicy> parkingPolicies;
    private final Duration probeInterval;
    private final Set<String> topics;
    private final RecordMapping recordMapping;
    private final OutboxTables tables;

    RelayConfig(RelayConfigBuilder b) {
        instanceId = Objects.requireNonNull(b.instanceId, "instanceId");
        if (instanceId.isBlank()) {
            throw new IllegalArgumentException("instanceId must not be blank");
        }
        workers = b.workers;
        if (workers < 1 || workers > 256) {
            throw new IllegalArgumentException("workers must be 1..256, was " + workers);
        }
        batchSize = b.batchSize;
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be 1..10000, was " + batchSize);
        }
        minPollInterval = requirePositive(b.minPollInterval, "minPollInterval");
        maxPollInterval = requirePositive(b.maxPollInterval, "maxPollInterval");
        if (maxPollInterval.compareTo(minPollInterval) < 0) {
            throw new IllegalArgumentException("maxPollInterval must be >= minPollInterval");
        }
        stallTimeout = requirePositive(b.stallTimeout, "stallTimeout");
        if (stallTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("stallTimeout must be at least 1 ms");
        }
        maxAttempts = b.maxAttempts;
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        retryBackoff = requirePositive(b.retryBackoff, "retryBackoff");
        maxRetryBackoff = requirePositive(b.maxRetryBackoff, "maxRetryBackoff");
        if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
            throw new IllegalArgumentException("maxRetryBackoff must be >= retryBackoff");
        }
        parkingPolicies = ParkingPolicy.copyOf(b.parkingPolicies);
        probeInterval = Objects.requireNonNull(b.probeInterval, "probeInterval");
        if (probeInterval.isNegative()) {
            throw new IllegalArgumentException("probeInterval must not be negative");
        }
        topics = RelayTopics.copyOf(b.topics);
        recordMapping = Objects.requireNonNull(b.recordMapping, "recordMapping");
        tables = Objects.requireNonNull(b.tables, "tables");
    }

    /**
     * A builder with the defaults: 4 workers, batches of 500, idle polling from 5 ms to 500 ms, 30 s stall timeout,
     * parking after 5 rejections, retries from 100 ms to 10 s, every topic {@link ParkingPolicy#SKIP}, the sequence
     * probe every {@link #DEFAULT_PROBE_INTERVAL}, records shaped by {@link RecordMapping#CLOUD_EVENTS}, the outbox in
     * {@link OutboxTables#DEFAULTS}, and no topics yet: a relay needs {@link RelayConfigBuilder#topics}.
     *
     * @param instanceId name of this relay instance, in logs and in the metrics' {@code instance} tag; not blank
     * @return a new builder
     */
    public static RelayConfigBuilder builder(String instanceId) {
        return new RelayConfigBuilder(instanceId);
    }

    /**
     * A builder holding this configuration's values, to make a copy with some of them changed.
     *
     * @return a new builder with this configuration's values
     */
    public RelayConfigBuilder toBuilder() {
        return new RelayConfigBuilder(this);
    }

    /**
     * Name of this relay instance ({@link #builder(String)}).
     *
     * @return the instance name
     */
    public String instanceId() {
        return instanceId;
    }

    /**
     * Publishing loops in this instance ({@link RelayConfigBuilder#workers}).
     *
     * @return the number of workers, 1..256
     */
    public int workers() {
        return workers;
    }

    /**
     * Most events read and sent as one batch ({@link RelayConfigBuilder#batchSize}).
     *
     * @return the batch size, 1..10,000
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * First idle wait ({@link RelayConfigBuilder#minPollInterval}).
     *
     * @return the first idle wait
     */
    public Duration minPollInterval() {
        return minPollInterval;
    }

    /**
     * Longest idle wait ({@link RelayConfigBuilder#maxPollInterval}).
     *
     * @return the longest idle wait
     */
    public Duration maxPollInterval() {
        return maxPollInterval;
    }

    /**
     * How long a relay's transaction may idle before it loses its lease ({@link RelayConfigBuilder#stallTimeout}).
     *
     * @return the stall timeout
     */
    public Duration stallTimeout() {
        return stallTimeout;
    }

    /**
     * Permanent rejections of a record after which it is parked ({@link RelayConfigBuilder#maxAttempts}).
     *
     * @return the attempts before parking, at least 1
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * First wait after a failed publish ({@link RelayConfigBuilder#retryBackoff}).
     *
     * @return the first retry wait
     */
    public Duration retryBackoff() {
        return retryBackoff;
    }

    /**
     * Longest wait between failed publishes ({@link RelayConfigBuilder#maxRetryBackoff}).
     *
     * @return the longest retry wait
     */
    public Duration maxRetryBackoff() {
        return maxRetryBackoff;
    }

    /**
     * The parking policy of each topic that has one, unmodifiable ({@link RelayConfigBuilder#parkingPolicy}).
     *
     * @return the policies by topic
     */
    public Map<String, ParkingPolicy> parkingPolicies() {
        return parkingPolicies;
    }

    /**
     * The parking policy of {@code topic}: the one set for it, else {@link ParkingPolicy#SKIP}.
     *
     * @param topic a topic
     * @return its parking policy
     */
    public ParkingPolicy policyOf(String topic) {
        return parkingPolicies.getOrDefault(topic, ParkingPolicy.SKIP);
    }

    /**
     * How often an idle instance probes the outbox's id sequence ({@link RelayConfigBuilder#probeInterval}).
     *
     * @return the probe interval; {@link Duration#ZERO} when there is no probe
     */
    public Duration probeInterval() {
        return probeInterval;
    }

    /**
     * The topics this relay publishes to, sorted and unmodifiable ({@link RelayConfigBuilder#topics(Set)}).
     *
     * @return the topics
     */
    public Set<String> topics() {
        return topics;
    }

    /**
     * How events become Kafka records ({@link RelayConfigBuilder#recordMapping}).
     *
     * @return the record mapping
     */
    public RecordMapping recordMapping() {
        return recordMapping;
    }

    /**
     * Where the outbox's tables are: schema and table prefix ({@link RelayConfigBuilder#tables}).
     *
     * @return the outbox's tables
     */
    public OutboxTables tables() {
        return tables;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RelayConfig c
                && instanceId.equals(c.instanceId)
                && workers == c.workers
                && batchSize == c.batchSize
                && minPollInterval.equals(c.minPollInterval)
                && maxPollInterval.equals(c.maxPollInterval)
                && stallTimeout.equals(c.stallTimeout)
                && maxAttempts == c.maxAttempts
                && retryBackoff.equals(c.retryBackoff)
                && maxRetryBackoff.equals(c.maxRetryBackoff)
                && parkingPolicies.equals(c.parkingPolicies)
                && probeInterval.equals(c.probeInterval)
                && topics.equals(c.topics)
                && recordMapping.equals(c.recordMapping)
                && tables.equals(c.tables);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
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
                topics,
                recordMapping,
                tables);
    }

    @Override
    public String toString() {
        return "RelayConfig[instanceId=" + instanceId + ", workers=" + workers + ", batchSize=" + batchSize
                + ", minPollInterval=" + minPollInterval + ", maxPollInterval=" + maxPollInterval + ", stallTimeout="
                + stallTimeout + ", maxAttempts=" + maxAttempts + ", retryBackoff=" + retryBackoff
                + ", maxRetryBackoff=" + maxRetryBackoff + ", parkingPolicies=" + parkingPolicies
                + ", probeInterval=" + probeInterval + ", topics=" + topics + ", recordMapping=" + recordMapping
                + ", tables=" + tables + "]";
    }

    private static Duration requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return d;
    }
}
