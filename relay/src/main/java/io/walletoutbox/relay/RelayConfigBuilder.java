package io.walletoutbox.relay;

import io.walletoutbox.outbox.OutboxTables;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a {@link RelayConfig}. Setters only record values; {@link #build()} checks them all and says which one
 * is out of range. A builder may be reused: each {@code build()} makes an independent configuration.
 */
public final class RelayConfigBuilder {
    String instanceId;
    int workers = 4;
    int batchSize = 500;
    Duration minPollInterval = Duration.ofMillis(5);
    Duration maxPollInterval = Duration.ofMillis(500);
    Duration stallTimeout = Duration.ofSeconds(30);
    int maxAttempts = 5;
    Duration retryBackoff = Duration.ofMillis(100);
    Duration maxRetryBackoff = Duration.ofSeconds(10);
    Map<String, ParkingPolicy> parkingPolicies = new HashMap<>();
    Duration probeInterval = RelayConfig.DEFAULT_PROBE_INTERVAL;
    Set<String> topics = Set.of();
    RecordMapping recordMapping = RecordMapping.CLOUD_EVENTS;
    OutboxTables tables = OutboxTables.DEFAULTS;

    RelayConfigBuilder(String instanceId) {
        this.instanceId = instanceId;
    }

    RelayConfigBuilder(RelayConfig c) {
        instanceId = c.instanceId();
        workers = c.workers();
        batchSize = c.batchSize();
        minPollInterval = c.minPollInterval();
        maxPollInterval = c.maxPollInterval();
        stallTimeout = c.stallTimeout();
        maxAttempts = c.maxAttempts();
        retryBackoff = c.retryBackoff();
        maxRetryBackoff = c.maxRetryBackoff();
        parkingPolicies = new HashMap<>(c.parkingPolicies());
        probeInterval = c.probeInterval();
        topics = c.topics();
        recordMapping = c.recordMapping();
        tables = c.tables();
    }

    /**
     * The instance's name, in logs and in the metrics' {@code instance} tag; not blank. Set by {@link
     * RelayConfig#builder(String)}; change it to start several instances from one configuration ({@code
     * config.toBuilder().instanceId("relay-2").build()}).
     *
     * @param instanceId the instance name
     * @return this builder
     */
    public RelayConfigBuilder instanceId(String instanceId) {
        this.instanceId = instanceId;
        return this;
    }

    /**
     * Publishing loops (virtual threads) in this instance, 1..256; each leases up to 8 shards per cycle and holds
     * one connection of the pool while it does. Default 4.
     *
     * @param workers the number of publishing loops
     * @return this builder
     */
    public RelayConfigBuilder workers(int workers) {
        this.workers = workers;
        return this;
    }

    /**
     * Most events read and sent as one batch, 1..10,000; one lease (one transaction) may carry up to four
     * batches of its shards, each sent after the previous one was acknowledged. Default 500.
     *
     * @param batchSize the most events per batch
     * @return this builder
     */
    public RelayConfigBuilder batchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
    }

    /**
     * First idle wait, positive; an idle relay doubles it up to {@link #maxPollInterval}. Default 5 ms.
     *
     * @param minPollInterval the first idle wait
     * @return this builder
     */
    public RelayConfigBuilder minPollInterval(Duration minPollInterval) {
        this.minPollInterval = minPollInterval;
        return this;
    }

    /**
     * Longest idle wait, at least {@link #minPollInterval}, so events written by another process are seen within
     * it (unless the {@link #probeInterval} sees them first). Default 500 ms.
     *
     * @param maxPollInterval the longest idle wait
     * @return this builder
     */
    public RelayConfigBuilder maxPollInterval(Duration maxPollInterval) {
        this.maxPollInterval = maxPollInterval;
        return this;
    }

    /**
     * A relay whose transaction stays idle this long (stopped, partitioned) loses its shard lease: PostgreSQL
     * ends its session, and another instance takes the shard over. Must be longer than the producer's {@code
     * delivery.timeout.ms} plus {@code max.block.ms}, since the transaction waits for the acks (see {@link
     * KafkaProducers#settings}); at least 1 ms. Default 30 s.
     *
     * @param stallTimeout the idle time after which a transaction loses its lease
     * @return this builder
     */
    public RelayConfigBuilder stallTimeout(Duration stallTimeout) {
        this.stallTimeout = stallTimeout;
        return this;
    }

    /**
     * A record Kafka rejects for good this many times is parked (at least 1). Default 5.
     *
     * @param maxAttempts permanent rejections before a record is parked
     * @return this builder
     */
    public RelayConfigBuilder maxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        return this;
    }

    /**
     * First wait after a failed publish (Kafka unavailable), positive; doubled up to {@link #maxRetryBackoff}.
     * Default 100 ms.
     *
     * @param retryBackoff the first wait after a failed publish
     * @return this builder
     */
    public RelayConfigBuilder retryBackoff(Duration retryBackoff) {
        this.retryBackoff = retryBackoff;
        return this;
    }

    /**
     * Longest wait between failed publishes, at least {@link #retryBackoff}. Default 10 s.
     *
     * @param maxRetryBackoff the longest wait between failed publishes
     * @return this builder
     */
    public RelayConfigBuilder maxRetryBackoff(Duration maxRetryBackoff) {
        this.maxRetryBackoff = maxRetryBackoff;
        return this;
    }

    /**
     * Whether later events of a key of {@code topic} wait behind a rejected one ({@link ParkingPolicy}); topics
     * without a policy use {@link ParkingPolicy#SKIP}. Replaces an earlier policy of {@code topic}.
     *
     * @param topic a topic
     * @param policy its policy
     * @return this builder
     */
    public RelayConfigBuilder parkingPolicy(String topic, ParkingPolicy policy) {
        parkingPolicies.put(topic, policy);
        return this;
    }

    /**
     * The parking policy of each topic, replacing every policy set before (see {@link #parkingPolicy}).
     *
     * @param policies the policy of each topic; copied
     * @return this builder
     * @throws NullPointerException when {@code policies} is null
     */
    public RelayConfigBuilder parkingPolicies(Map<String, ParkingPolicy> policies) {
        this.parkingPolicies = new HashMap<>(Objects.requireNonNull(policies, "parkingPolicies"));
        return this;
    }

    /**
     * How often an idle instance reads the outbox's id sequence to notice events written by another process (a
     * writer outside this JVM, whose commit cannot call {@link Relay#wakeUp()}); one cheap query per interval,
     * no lock, nothing in the writer's transaction. The probe keeps one connection of the pool (which then
     * needs {@code workers + 1}). {@link Duration#ZERO}: no probe, idle polling and wake-ups only. Default
     * {@link RelayConfig#DEFAULT_PROBE_INTERVAL}.
     *
     * @param probeInterval the interval between probes, or {@link Duration#ZERO}
     * @return this builder
     */
    public RelayConfigBuilder probeInterval(Duration probeInterval) {
        this.probeInterval = probeInterval;
        return this;
    }

    /**
     * The topics this relay publishes to ({@link RelayTopics}), replacing those set before: legal Kafka topic
     * names. A row naming another topic is parked at once, never sent. None by default, and a relay is not
     * created without any.
     *
     * @param topics the topics; checked by {@link #build()}
     * @return this builder
     */
    public RelayConfigBuilder topics(Set<String> topics) {
        this.topics = topics;
        return this;
    }

    /**
     * As {@link #topics(Set)}, with {@code topic} and {@code more}.
     *
     * @param topic a topic
     * @param more further topics
     * @return this builder
     * @throws IllegalArgumentException when a topic is not a legal Kafka topic name
     */
    public RelayConfigBuilder topics(String topic, String... more) {
        return topics(RelayTopics.of(topic, more));
    }

    /**
     * How events become Kafka records: {@link RecordMapping#CLOUD_EVENTS} (the default) or {@link
     * RecordMapping#DEBEZIUM_OUTBOX} (the records of Debezium's outbox event router), or a mapping of your own.
     * Consumers find the event id where the mapping puts it ({@link RecordMapping#eventId}).
     *
     * @param recordMapping the mapping
     * @return this builder
     */
    public RelayConfigBuilder recordMapping(RecordMapping recordMapping) {
        this.recordMapping = recordMapping;
        return this;
    }

    /**
     * Where the outbox's tables are (schema and table prefix): every statement of the relay names them, rendered
     * once when the relay is made. The same as the writers' ({@code OutboxConfig.tables()}). Default {@link
     * OutboxTables#DEFAULTS}: {@code outbox_event}, {@code outbox_shard} and {@code outbox_parked} on the
     * connection's {@code search_path}.
     *
     * @param tables the outbox's schema and table prefix
     * @return this builder
     */
    public RelayConfigBuilder tables(OutboxTables tables) {
        this.tables = tables;
        return this;
    }

    /**
     * The configuration.
     *
     * @return a new configuration
     * @throws IllegalArgumentException when a value is out of range (the message names it)
     * @throws NullPointerException when a value, a topic or a parking policy is null
     */
    public RelayConfig build() {
        return new RelayConfig(this);
    }
}
