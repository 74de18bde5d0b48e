package io.walletoutbox.provider;

import static io.walletoutbox.provider.ConfigChecks.positive;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of the bill-payment consumer, immutable; made by {@link #builder(String)} and copied with changes
 * through {@link #toBuilder()}. Each value is documented on its {@link BillPaymentConsumerConfigBuilder} method.
 */
public final class BillPaymentConsumerConfig {

    /**
     * The default {@link #maxDatabaseConcurrency()}: 8, a third of the service's connection pool. The outcome's
     * transaction waits on its commit (WAL flush) and on the clearing and settlement rows it shares with other
     * payments: 16 turns instead of 8 doubled its latency and left the completion rate where it was
     * (docs/biller-performance.md), so more turns only take connections from the API and the relay.
     */
    public static final int DEFAULT_MAX_DATABASE_CONCURRENCY = 8;

    /** The default {@link #maxRecordRetry()}. */
    public static final Duration DEFAULT_MAX_RECORD_RETRY = Duration.ofMinutes(5);

    /** The topic of wallet events. */
    public static final String DEFAULT_TOPIC = "wallet.events";

    /** The consumer group, also this consumer's name in the inbox. */
    public static final String DEFAULT_GROUP = "bill-payments";

    private final String bootstrapServers;
    private final String topic;
    private final String groupId;
    private final int maxInFlight;
    private final int poisonAttempts;
    private final Duration unknownRetryInitial;
    private final Duration unknownRetryMax;
    private final Duration reconciliationHorizon;
    private final Duration shutdownGrace;
    private final Map<String, String> kafkaProperties;
    private final Duration maxRecordRetry;
    private final int maxDatabaseConcurrency;

    BillPaymentConsumerConfig(BillPaymentConsumerConfigBuilder b) {
        bootstrapServers = Objects.requireNonNull(b.bootstrapServers, "bootstrapServers");
        topic = Objects.requireNonNull(b.topic, "topic");
        groupId = Objects.requireNonNull(b.groupId, "groupId");
        if (bootstrapServers.isBlank() || topic.isBlank() || groupId.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers, topic and groupId must not be blank");
        }
        maxInFlight = b.maxInFlight;
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be positive, was " + maxInFlight);
        }
        poisonAttempts = b.poisonAttempts;
        if (poisonAttempts < 1) {
            throw new IllegalArgumentException("poisonAttempts must be positive, was " + poisonAttempts);
        }
        unknownRetryInitial = positive("unknownRetryInitial", b.unknownRetryInitial);
        unknownRetryMax = positive("unknownRetryMax", b.unknownRetryMax);
        reconciliationHorizon = positive("reconciliationHorizon", b.reconciliationHorizon);
        shutdownGrace = positive("shutdownGrace", b.shutdownGrace);
        if (unknownRetryMax.compareTo(unknownRetryInitial) < 0) {
            throw new IllegalArgumentException("unknownRetryMax must be at least unknownRetryInitial");
        }
        kafkaProperties = Map.copyOf(b.kafkaProperties);
        maxRecordRetry = positive("maxRecordRetry", b.maxRecordRetry);
        maxDatabaseConcurrency = b.maxDatabaseConcurrency;
        if (maxDatabaseConcurrency < 1) {
            throw new IllegalArgumentException(
                    "maxDatabaseConcurrency must be positive, was " + maxDatabaseConcurrency);
        }
    }

    /**
     * A builder with the defaults: topic {@link #DEFAULT_TOPIC}, group {@link #DEFAULT_GROUP}, 1,000 records in
     * flight, 3 poison attempts, unknown outcomes asked again after 1 s doubling to 30 s, for a horizon of 15
     * minutes, 10 s shutdown grace, no extra Kafka properties, transient failures escalated after {@link
     * #DEFAULT_MAX_RECORD_RETRY}, {@link #DEFAULT_MAX_DATABASE_CONCURRENCY} records at the database at once.
     *
     * @param bootstrapServers Kafka's {@code bootstrap.servers}; not blank
     */
    public static BillPaymentConsumerConfigBuilder builder(String bootstrapServers) {
        return new BillPaymentConsumerConfigBuilder(bootstrapServers);
    }

    /** A builder holding this configuration's values, to make a copy with some of them changed. */
    public BillPaymentConsumerConfigBuilder toBuilder() {
        return new BillPaymentConsumerConfigBuilder(this);
    }

    /** Kafka's {@code bootstrap.servers} ({@link #builder(String)}). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The topic of wallet events ({@link BillPaymentConsumerConfigBuilder#topic}). */
    public String topic() {
        return topic;
    }

    /** The consumer group ({@link BillPaymentConsumerConfigBuilder#groupId}). */
    public String groupId() {
        return groupId;
    }

    /** Unfinished records above which fetching pauses ({@link BillPaymentConsumerConfigBuilder#maxInFlight}). */
    public int maxInFlight() {
        return maxInFlight;
    }

    /** Attempts at an unprocessable record ({@link BillPaymentConsumerConfigBuilder#poisonAttempts}). */
    public int poisonAttempts() {
        return poisonAttempts;
    }

    /** First delay before asking again ({@link BillPaymentConsumerConfigBuilder#unknownRetryInitial}). */
    public Duration unknownRetryInitial() {
        return unknownRetryInitial;
    }

    /** Cap of the delay before asking again ({@link BillPaymentConsumerConfigBuilder#unknownRetryMax}). */
    public Duration unknownRetryMax() {
        return unknownRetryMax;
    }

    /** How long an outcome may stay unknown ({@link BillPaymentConsumerConfigBuilder#reconciliationHorizon}). */
    public Duration reconciliationHorizon() {
        return reconciliationHorizon;
    }

    /** How long close and a rebalance wait ({@link BillPaymentConsumerConfigBuilder#shutdownGrace}). */
    public Duration shutdownGrace() {
        return shutdownGrace;
    }

    /** Extra consumer properties, unmodifiable ({@link BillPaymentConsumerConfigBuilder#kafkaProperties}). */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    /** How long a record may keep failing transiently ({@link BillPaymentConsumerConfigBuilder#maxRecordRetry}). */
    public Duration maxRecordRetry() {
        return maxRecordRetry;
    }

    /** Records at the database at once ({@link BillPaymentConsumerConfigBuilder#maxDatabaseConcurrency}). */
    public int maxDatabaseConcurrency() {
        return maxDatabaseConcurrency;
    }

    /**
     * Records in flight above which fetching pauses even when they are all held up by a failing biller or database:
     * twenty times {@link #maxInFlight}. Held records do not count against {@code maxInFlight} itself, so a biller
     * that is down never stops the other billers' payments from being fetched.
     */
    public int maxHeld() {
        return (int) Math.min(Integer.MAX_VALUE, 20L * maxInFlight);
    }

    /** The dead-letter topic, {@code <topic>.dlq}. */
    public String deadLetterTopic() {
        return topic + ".dlq";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BillPaymentConsumerConfig c
                && bootstrapServers.equals(c.bootstrapServers)
                && topic.equals(c.topic)
                && groupId.equals(c.groupId)
                && maxInFlight == c.maxInFlight
                && poisonAttempts == c.poisonAttempts
                && unknownRetryInitial.equals(c.unknownRetryInitial)
                && unknownRetryMax.equals(c.unknownRetryMax)
                && reconciliationHorizon.equals(c.reconciliationHorizon)
                && shutdownGrace.equals(c.shutdownGrace)
                && kafkaProperties.equals(c.kafkaProperties)
                && maxRecordRetry.equals(c.maxRecordRetry)
                && maxDatabaseConcurrency == c.maxDatabaseConcurrency;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                bootstrapServers,
                topic,
                groupId,
                maxInFlight,
                poisonAttempts,
                unknownRetryInitial,
                unknownRetryMax,
                reconciliationHorizon,
                shutdownGrace,
                kafkaProperties,
                maxRecordRetry,
                maxDatabaseConcurrency);
    }

    /** Every value but the extra Kafka properties' values (they may hold credentials), which it shows as names. */
    @Override
    public String toString() {
        return "BillPaymentConsumerConfig[bootstrapServers=" + bootstrapServers + ", topic=" + topic + ", groupId="
                + groupId + ", maxInFlight=" + maxInFlight + ", poisonAttempts=" + poisonAttempts
                + ", unknownRetryInitial=" + unknownRetryInitial + ", unknownRetryMax=" + unknownRetryMax
                + ", reconciliationHorizon=" + reconciliationHorizon + ", shutdownGrace=" + shutdownGrace
                + ", kafkaProperties=" + new java.util.TreeSet<>(kafkaProperties.keySet()) + ", maxRecordRetry="
                + maxRecordRetry + ", maxDatabaseConcurrency=" + maxDatabaseConcurrency + "]";
    }
}
