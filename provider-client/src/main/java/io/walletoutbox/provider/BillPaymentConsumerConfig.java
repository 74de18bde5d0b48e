package io.walletoutbox.provider;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of the bill-payment consumer.
 *
 * @param bootstrapServers Kafka's {@code bootstrap.servers}
 * @param topic the topic of wallet events; dead letters go to {@code <topic>.dlq}
 * @param groupId the consumer group (instances sharing it share the partitions)
 * @param maxInFlight records fetched and unfinished above which fetching pauses (resumes below half); records held
 *     up by a failing biller or database do not count (see {@link #maxHeld()})
 * @param poisonAttempts attempts at an unprocessable record before it goes to the dead-letter topic
 * @param unknownRetryInitial first delay before asking the biller again about an unknown outcome; doubles
 * @param unknownRetryMax cap of that delay
 * @param reconciliationHorizon how long an outcome may stay unknown before the payment goes to reconciliation;
 *     counted from this consumer's first attempt at the record (a restart or a rebalance starts it anew). A
 *     {@linkplain BillerOutcome.ConfigurationFault configuration fault} (the biller refusing the credential or
 *     the URL) restarts it: such a payment is retried with backoff for as long as the fault lasts and never sent
 *     to reconciliation for it; the {@code BillerConfigurationFault} alert tells the operator instead
 * @param shutdownGrace how long close and a rebalance wait for in-flight records before abandoning them
 * @param kafkaProperties extra consumer properties (security, client id…), applied before this module's own
 * @param maxRecordRetry how long one record may keep failing transiently (database, recorder, dead-letter topic
 *     unreachable) before its payment is escalated: put in reconciliation with the error, and the record completed
 *     (inbox row, offset) so the wallet's later payments proceed; the reconciliation job then settles it. Time
 *     spent on a configuration fault does not count (such a record is never escalated), nor does time waiting
 *     on an unknown biller outcome (that is what {@code reconciliationHorizon} bounds). Default 5 minutes
 * @param maxDatabaseConcurrency records whose database work (the inbox check and payment lookup before the biller
 *     call, the outcome's transaction after it) runs at once; the others wait their turn without a timeout while
 *     their biller calls still overlap. Keeps the consumer from taking every connection of a pool it shares with
 *     the API and the relay (a pool timeout would turn into a retry with backoff). Default {@value
 *     #DEFAULT_MAX_DATABASE_CONCURRENCY}
 */
public record BillPaymentConsumerConfig(
        String bootstrapServers,
        String topic,
        String groupId,
        int maxInFlight,
        int poisonAttempts,
        Duration unknownRetryInitial,
        Duration unknownRetryMax,
        Duration reconciliationHorizon,
        Duration shutdownGrace,
        Map<String, String> kafkaProperties,
        Duration maxRecordRetry,
        int maxDatabaseConcurrency) {

    /**
     * The {@link #maxDatabaseConcurrency} of {@link #defaults}: 8, a third of the service's connection pool. The
     * outcome's transaction waits on its commit (WAL flush) and on the clearing and settlement rows it shares with
     * other payments: 16 turns instead of 8 doubled its latency and left the completion rate where it was
     * (docs/biller-performance.md), so more turns only take connections from the API and the relay.
     */
    public static final int DEFAULT_MAX_DATABASE_CONCURRENCY = 8;

    /** The {@link #maxRecordRetry} of {@link #defaults}. */
    public static final Duration DEFAULT_MAX_RECORD_RETRY = Duration.ofMinutes(5);

    /** The topic of wallet events. */
    public static final String DEFAULT_TOPIC = "wallet.events";

    /** The consumer group, also this consumer's name in the inbox. */
    public static final String DEFAULT_GROUP = "bill-payments";

    public BillPaymentConsumerConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(groupId, "groupId");
        if (bootstrapServers.isBlank() || topic.isBlank() || groupId.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers, topic and groupId must not be blank");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be positive, was " + maxInFlight);
        }
        if (poisonAttempts < 1) {
            throw new IllegalArgumentException("poisonAttempts must be positive, was " + poisonAttempts);
        }
        positive("unknownRetryInitial", unknownRetryInitial);
        positive("unknownRetryMax", unknownRetryMax);
        positive("reconciliationHorizon", reconciliationHorizon);
        positive("shutdownGrace", shutdownGrace);
        if (unknownRetryMax.compareTo(unknownRetryInitial) < 0) {
            throw new IllegalArgumentException("unknownRetryMax must be at least unknownRetryInitial");
        }
        kafkaProperties = Map.copyOf(kafkaProperties);
        positive("maxRecordRetry", maxRecordRetry);
        if (maxDatabaseConcurrency < 1) {
            throw new IllegalArgumentException(
                    "maxDatabaseConcurrency must be positive, was " + maxDatabaseConcurrency);
        }
    }

    /** A configuration with the default {@link #maxDatabaseConcurrency} (the constructor before it existed). */
    public BillPaymentConsumerConfig(
            String bootstrapServers,
            String topic,
            String groupId,
            int maxInFlight,
            int poisonAttempts,
            Duration unknownRetryInitial,
            Duration unknownRetryMax,
            Duration reconciliationHorizon,
            Duration shutdownGrace,
            Map<String, String> kafkaProperties,
            Duration maxRecordRetry) {
        this(
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
                DEFAULT_MAX_DATABASE_CONCURRENCY);
    }

    /** A configuration with the default {@link #maxRecordRetry} (the constructor before it existed). */
    public BillPaymentConsumerConfig(
            String bootstrapServers,
            String topic,
            String groupId,
            int maxInFlight,
            int poisonAttempts,
            Duration unknownRetryInitial,
            Duration unknownRetryMax,
            Duration reconciliationHorizon,
            Duration shutdownGrace,
            Map<String, String> kafkaProperties) {
        this(
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
                DEFAULT_MAX_RECORD_RETRY);
    }

    /**
     * Topic {@code wallet.events}, group {@code bill-payments}, 1,000 records in flight, 3 poison attempts, unknown
     * outcomes asked again after 1 s doubling to 30 s, for a horizon of 15 minutes, 10 s shutdown grace, transient
     * failures escalated after 5 minutes, 8 records at the database at once.
     */
    public static BillPaymentConsumerConfig defaults(String bootstrapServers) {
        return new BillPaymentConsumerConfig(
                bootstrapServers,
                DEFAULT_TOPIC,
                DEFAULT_GROUP,
                1_000,
                3,
                Duration.ofSeconds(1),
                Duration.ofSeconds(30),
                Duration.ofMinutes(15),
                Duration.ofSeconds(10),
                Map.of(),
                DEFAULT_MAX_RECORD_RETRY);
    }

    /** This configuration with these extra consumer properties (replacing the earlier extras). */
    public BillPaymentConsumerConfig withKafkaProperties(Map<String, String> properties) {
        return new BillPaymentConsumerConfig(
                bootstrapServers,
                topic,
                groupId,
                maxInFlight,
                poisonAttempts,
                unknownRetryInitial,
                unknownRetryMax,
                reconciliationHorizon,
                shutdownGrace,
                properties,
                maxRecordRetry,
                maxDatabaseConcurrency);
    }

    /** This configuration with another topic and group. */
    public BillPaymentConsumerConfig withTopic(String newTopic, String newGroupId) {
        return new BillPaymentConsumerConfig(
                bootstrapServers,
                newTopic,
                newGroupId,
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

    /** This configuration with other unknown-outcome settings. */
    public BillPaymentConsumerConfig withUnknownRetries(Duration initial, Duration max, Duration horizon) {
        return new BillPaymentConsumerConfig(
                bootstrapServers,
                topic,
                groupId,
                maxInFlight,
                poisonAttempts,
                initial,
                max,
                horizon,
                shutdownGrace,
                kafkaProperties,
                maxRecordRetry,
                maxDatabaseConcurrency);
    }

    /** This configuration with another in-flight bound, poison attempts and shutdown grace. */
    public BillPaymentConsumerConfig withLimits(int newMaxInFlight, int newPoisonAttempts, Duration newGrace) {
        return new BillPaymentConsumerConfig(
                bootstrapServers,
                topic,
                groupId,
                newMaxInFlight,
                newPoisonAttempts,
                unknownRetryInitial,
                unknownRetryMax,
                reconciliationHorizon,
                newGrace,
                kafkaProperties,
                maxRecordRetry,
                maxDatabaseConcurrency);
    }

    /** This configuration with another {@link #maxRecordRetry}. */
    public BillPaymentConsumerConfig withMaxRecordRetry(Duration bound) {
        return new BillPaymentConsumerConfig(
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
                bound,
                maxDatabaseConcurrency);
    }

    /** This configuration with another {@link #maxDatabaseConcurrency}. */
    public BillPaymentConsumerConfig withMaxDatabaseConcurrency(int concurrency) {
        return new BillPaymentConsumerConfig(
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
                concurrency);
    }

    /**
     * Records in flight above which fetching pauses even when they are all held up by a failing biller or database:
     * twenty times {@link #maxInFlight}. Held records do not count against {@code maxInFlight} itself, so a biller
     * that is down never stops the other billers' payments from being fetched.
     */
    public int maxHeld() {
        return (int) Math.min(Integer.MAX_VALUE, 20L * maxInFlight);
    }

    /** The dead-letter topic. */
    public String deadLetterTopic() {
        return topic + ".dlq";
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }
}
