package io.walletoutbox.outbox.testkit;

import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMetrics;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Objects;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;

/**
 * Builds an {@link OutboxTestKit} ({@link OutboxTestKit#builder(DataSource)}); checks the values in {@link #build()}. Set
 * either the relay's {@link #topics(String...) topics} (the rest of its configuration defaulted for tests) or its
 * whole {@link #relayConfig(RelayConfig) configuration}. Not thread-safe.
 */
public final class OutboxTestKitBuilder {
    /** The default {@link #drainTimeout(Duration)}. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    final DataSource dataSource;
    private String[] topics;
    private RelayConfig relayConfig;
    private OutboxTables tables;
    Producer<String, byte[]> producer;
    RelayMetrics metrics = RelayMetrics.NONE;
    Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;

    OutboxTestKitBuilder(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "outbox");
    }

    /**
     * The topics the relay publishes to (a row naming another is parked, as in production). With topics alone the
     * kit's relay has the {@link RelayConfig#builder(String) defaults} under the instance id {@code
     * outbox-test-kit}: 5 attempts before parking, every topic {@code SKIP}.
     *
     * @param topics the topics; checked by {@link #build()}
     * @return this builder
     */
    public OutboxTestKitBuilder topics(String... topics) {
        this.topics = topics.clone();
        return this;
    }

    /**
     * The relay's whole configuration, as the service's relay has it (topics, {@code maxAttempts}, parking policies,
     * batch size); instead of {@link #topics(String...)}. Its polling and back-off settings do not apply to {@link
     * OutboxTestKit#drain()}.
     *
     * @param config the relay's configuration
     * @return this builder
     * @throws NullPointerException when {@code config} is null
     */
    public OutboxTestKitBuilder relayConfig(RelayConfig config) {
        this.relayConfig = Objects.requireNonNull(config, "config");
        return this;
    }

    /**
     * Where records go: a Kafka producer with the relay's settings ({@code KafkaProducers.create}) or a {@link
     * RecordingProducer}. The caller keeps it and closes it. Default: a new {@link RecordingProducer}, which the kit
     * closes.
     *
     * @param producer the producer
     * @return this builder
     * @throws NullPointerException when {@code producer} is null
     */
    public OutboxTestKitBuilder producer(Producer<String, byte[]> producer) {
        this.producer = Objects.requireNonNull(producer, "producer");
        return this;
    }

    /**
     * Where the outbox's tables are (schema and table prefix), as the service's writer and relay have them: the kit's
     * relay publishes from them and its queries read them. Default: the {@link #relayConfig(RelayConfig) relay
     * configuration's} {@link RelayConfig#tables()}, else {@link OutboxTables#DEFAULTS}.
     *
     * @param tables the outbox's schema and table prefix
     * @return this builder
     * @throws NullPointerException when {@code tables} is null
     */
    public OutboxTestKitBuilder tables(OutboxTables tables) {
        this.tables = Objects.requireNonNull(tables, "tables");
        return this;
    }

    /**
     * Where the kit's relays report what they do. Default: {@link RelayMetrics#NONE}.
     *
     * @param metrics the metrics
     * @return this builder
     * @throws NullPointerException when {@code metrics} is null
     */
    public OutboxTestKitBuilder metrics(RelayMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        return this;
    }

    /**
     * How long {@link OutboxTestKit#drain()} may take before it fails: a backstop for Kafka being away or a relay
     * beside the kit holding shards, never waited in a passing test. Positive. Default: {@link
     * #DEFAULT_DRAIN_TIMEOUT}.
     *
     * @param timeout the drain timeout; checked by {@link #build()}
     * @return this builder
     * @throws NullPointerException when {@code timeout} is null
     */
    public OutboxTestKitBuilder drainTimeout(Duration timeout) {
        this.drainTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /**
     * The kit. Checks that exactly one of {@link #topics(String...)} and {@link #relayConfig(RelayConfig)} was set,
     * that the topics are valid and the drain timeout positive, and that {@link #tables(OutboxTables)} does not
     * contradict the relay configuration's tables.
     *
     * @return a new kit, which the caller closes
     * @throws IllegalStateException when neither or both of topics and relay configuration were set, or the tables
     *     set here differ from the relay configuration's (unless those are the defaults)
     * @throws IllegalArgumentException when a value is invalid (no topics, a blank topic, a timeout not positive)
     */
    public OutboxTestKit build() {
        if ((topics == null) == (relayConfig == null)) {
            throw new IllegalStateException("set either topics(...) or relayConfig(...), exactly one of them");
        }
        if (drainTimeout.isNegative() || drainTimeout.isZero()) {
            throw new IllegalArgumentException("drainTimeout must be positive, was " + drainTimeout);
        }
        RelayConfig config = relayConfig != null
                ? relayConfig
                : RelayConfig.builder("outbox-test-kit")
                        .topics(new LinkedHashSet<>(Arrays.asList(topics)))
                        .build();
        if (tables != null && !tables.equals(config.tables())) {
            if (!config.tables().equals(OutboxTables.DEFAULTS)) {
                throw new IllegalStateException("tables(" + tables + ") differ from the relay configuration's "
                        + config.tables() + "; set them in one place");
            }
            config = config.toBuilder().tables(tables).build();
        }
        if (config.topics().isEmpty()) {
            throw new IllegalArgumentException("the kit's relay needs at least one topic");
        }
        return OutboxTestKit.build(this, config);
    }
}
