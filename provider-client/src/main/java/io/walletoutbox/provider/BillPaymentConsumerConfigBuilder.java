package io.walletoutbox.provider;

import java.time.Duration;
import java.util.Map;

/**
 * Builds a {@link BillPaymentConsumerConfig}, from {@link BillPaymentConsumerConfig#builder(String)} or {@link
 * BillPaymentConsumerConfig#toBuilder()}. Setters only record values; {@link #build()} checks them all and says
 * which one is out of range. A builder may be reused: each {@code build()} makes an independent configuration.
 */
public final class BillPaymentConsumerConfigBuilder {
    final String bootstrapServers;
    String topic = BillPaymentConsumerConfig.DEFAULT_TOPIC;
    String groupId = BillPaymentConsumerConfig.DEFAULT_GROUP;
    int maxInFlight = 1_000;
    int poisonAttempts = 3;
    Duration unknownRetryInitial = Duration.ofSeconds(1);
    Duration unknownRetryMax = Duration.ofSeconds(30);
    Duration reconciliationHorizon = Duration.ofMinutes(15);
    Duration shutdownGrace = Duration.ofSeconds(10);
    Map<String, String> kafkaProperties = Map.of();
    Duration maxRecordRetry = BillPaymentConsumerConfig.DEFAULT_MAX_RECORD_RETRY;
    int maxDatabaseConcurrency = BillPaymentConsumerConfig.DEFAULT_MAX_DATABASE_CONCURRENCY;

    BillPaymentConsumerConfigBuilder(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    BillPaymentConsumerConfigBuilder(BillPaymentConsumerConfig c) {
        bootstrapServers = c.bootstrapServers();
        topic = c.topic();
        groupId = c.groupId();
        maxInFlight = c.maxInFlight();
        poisonAttempts = c.poisonAttempts();
        unknownRetryInitial = c.unknownRetryInitial();
        unknownRetryMax = c.unknownRetryMax();
        reconciliationHorizon = c.reconciliationHorizon();
        shutdownGrace = c.shutdownGrace();
        kafkaProperties = c.kafkaProperties();
        maxRecordRetry = c.maxRecordRetry();
        maxDatabaseConcurrency = c.maxDatabaseConcurrency();
    }

    /**
     * The topic of wallet events; dead letters go to {@code <topic>.dlq}. Default {@link
     * BillPaymentConsumerConfig#DEFAULT_TOPIC}.
     */
    public BillPaymentConsumerConfigBuilder topic(String topic) {
        this.topic = topic;
        return this;
    }

    /**
     * The consumer group (instances sharing it share the partitions), also this consumer's name in the inbox.
     * Default {@link BillPaymentConsumerConfig#DEFAULT_GROUP}.
     */
    public BillPaymentConsumerConfigBuilder groupId(String groupId) {
        this.groupId = groupId;
        return this;
    }

    /**
     * Records fetched and unfinished above which fetching pauses (resumes below half), positive; records held up
     * by a failing biller or database do not count (see {@link BillPaymentConsumerConfig#maxHeld()}). Default
     * 1,000.
     */
    public BillPaymentConsumerConfigBuilder maxInFlight(int maxInFlight) {
        this.maxInFlight = maxInFlight;
        return this;
    }

    /** Attempts at an unprocessable record before it goes to the dead-letter topic, positive. Default 3. */
    public BillPaymentConsumerConfigBuilder poisonAttempts(int poisonAttempts) {
        this.poisonAttempts = poisonAttempts;
        return this;
    }

    /**
     * First delay before asking the biller again about an unknown outcome, positive; doubles up to {@link
     * #unknownRetryMax}. Default 1 s.
     */
    public BillPaymentConsumerConfigBuilder unknownRetryInitial(Duration unknownRetryInitial) {
        this.unknownRetryInitial = unknownRetryInitial;
        return this;
    }

    /** Cap of that delay, at least {@link #unknownRetryInitial}. Default 30 s. */
    public BillPaymentConsumerConfigBuilder unknownRetryMax(Duration unknownRetryMax) {
        this.unknownRetryMax = unknownRetryMax;
        return this;
    }

    /**
     * How long an outcome may stay unknown before the payment goes to reconciliation, positive; counted from this
     * consumer's first attempt at the record (a restart or a rebalance starts it anew). A {@linkplain
     * BillerOutcome.ConfigurationFault configuration fault} (the biller refusing the credential or the URL)
     * restarts it: such a payment is retried with backoff for as long as the fault lasts and never sent to
     * reconciliation for it; the {@code BillerConfigurationFault} alert tells the operator instead. Default 15
     * minutes.
     */
    public BillPaymentConsumerConfigBuilder reconciliationHorizon(Duration reconciliationHorizon) {
        this.reconciliationHorizon = reconciliationHorizon;
        return this;
    }

    /** How long close and a rebalance wait for in-flight records before abandoning them, positive. Default 10 s. */
    public BillPaymentConsumerConfigBuilder shutdownGrace(Duration shutdownGrace) {
        this.shutdownGrace = shutdownGrace;
        return this;
    }

    /**
     * Extra consumer properties (security, client id…), applied before this module's own; replaces the extras set
     * before. None by default.
     */
    public BillPaymentConsumerConfigBuilder kafkaProperties(Map<String, String> kafkaProperties) {
        this.kafkaProperties = kafkaProperties;
        return this;
    }

    /**
     * How long one record may keep failing transiently (database, recorder, dead-letter topic unreachable) before
     * its payment is escalated, positive: put in reconciliation with the error, and the record completed (inbox
     * row, offset) so the wallet's later payments proceed; the reconciliation job then settles it. Time spent on a
     * configuration fault does not count (such a record is never escalated), nor does time waiting on an unknown
     * biller outcome (that is what {@link #reconciliationHorizon} bounds). Default {@link
     * BillPaymentConsumerConfig#DEFAULT_MAX_RECORD_RETRY}.
     */
    public BillPaymentConsumerConfigBuilder maxRecordRetry(Duration maxRecordRetry) {
        this.maxRecordRetry = maxRecordRetry;
        return this;
    }

    /**
     * Records whose database work (the inbox check and payment lookup before the biller call, the outcome's
     * transaction after it) runs at once, positive; the others wait their turn without a timeout while their
     * biller calls still overlap. Keeps the consumer from taking every connection of a pool it shares with the API
     * and the relay (a pool timeout would turn into a retry with backoff). Default {@link
     * BillPaymentConsumerConfig#DEFAULT_MAX_DATABASE_CONCURRENCY}.
     */
    public BillPaymentConsumerConfigBuilder maxDatabaseConcurrency(int maxDatabaseConcurrency) {
        this.maxDatabaseConcurrency = maxDatabaseConcurrency;
        return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException when a value is out of range (the message names it)
     * @throws NullPointerException when a value or an extra property is null
     */
    public BillPaymentConsumerConfig build() {
        return new BillPaymentConsumerConfig(this);
    }
}
