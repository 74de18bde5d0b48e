package io.walletoutbox.provider;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.walletoutbox.provider.internal.KafkaBillPaymentConsumer;
import org.jdbi.v3.core.Jdbi;

/**
 * Consumes {@code BillPaymentRequested} events and pays them at the biller.
 *
 * <p>Per record (header {@code ce_type}): {@code BillPaymentRequested} is skipped when its {@code ce_id} is in the
 * inbox; otherwise the biller is paid (key = payment id), then ONE transaction writes the inbox row and the
 * outcome through {@link OutcomeRecorder} (a concurrent duplicate that won the inbox row rolls this one back).
 * An unknown outcome is never recorded as a decline: the payment is asked about again with backoff and, past the
 * reconciliation horizon, written to the reconciliation table (see {@link Reconciliation}) with the inbox row.
 * A {@link BillerOutcome.ConfigurationFault} ({@code 401}/{@code 403} from the biller, or {@code 404} on its
 * payments route) is neither: nothing is recorded, the payment stays pending and is asked again with the same
 * backoff, without end, and the fault restarts the reconciliation horizon, so a credential outage never floods
 * reconciliation. It holds up the records after it on the same wallet until the configuration is fixed; the
 * client's circuit opens, and the {@code biller.config.faults} counter (alert {@code BillerConfigurationFault})
 * tells the operator.
 * {@code BillPaymentSucceeded}/{@code BillPaymentFailed} and event types not starting with {@code BillPayment} are
 * acknowledged and ignored; records that cannot be processed (bad JSON, missing headers, unknown {@code
 * BillPayment…} type) go to {@code <topic>.dlq} after the configured attempts.
 *
 * <p>Order and concurrency: records of one key (wallet) are processed one after another, in offset order;
 * different keys concurrently on virtual threads. Offsets are committed only up to the first unfinished record
 * of each partition, after its transaction. On a rebalance or close, in-flight records get the shutdown grace to
 * finish; the rest are abandoned uncommitted and redelivered (the inbox and the idempotency key make that safe).
 */
public interface BillPaymentConsumer extends AutoCloseable {

    /**
     * A consumer, not yet started. {@code jdbi} must reach the database holding the inbox ({@code
     * OutboxSchema.migrate}) and the reconciliation table ({@link ProviderSchema#migrate}).
     */
    static BillPaymentConsumer create(
            BillPaymentConsumerConfig config,
            Jdbi jdbi,
            BillerClient biller,
            OutcomeRecorder recorder,
            ProviderMetrics metrics) {
        return create(config, jdbi, biller, recorder, metrics, ProcessingHook.NONE);
    }

    /** As {@link #create(BillPaymentConsumerConfig, Jdbi, BillerClient, OutcomeRecorder, ProviderMetrics)}, with a test hook. */
    static BillPaymentConsumer create(
            BillPaymentConsumerConfig config,
            Jdbi jdbi,
            BillerClient biller,
            OutcomeRecorder recorder,
            ProviderMetrics metrics,
            ProcessingHook hook) {
        return new KafkaBillPaymentConsumer(config, jdbi, biller, recorder, metrics, hook);
    }

    /** Subscribes and starts polling on a thread of its own; returns at once. Call once. */
    void start();

    /**
     * True between {@link #start} and {@link #close}, unless the poll loop died of an unexpected error (logged);
     * for the app's readiness check.
     */
    boolean isRunning();

    /**
     * The Kafka client metrics of this consumer's {@code KafkaConsumer} ({@code kafka.consumer.*}: fetch rates,
     * per-partition lag, coordinator, …) as a binder the app binds to its registry. Call after {@link #start};
     * close the returned binder (it is {@link AutoCloseable}) before or with the consumer.
     *
     * @throws IllegalStateException when the consumer was not started
     */
    MeterBinder clientMetrics();

    /**
     * Stops polling, gives in-flight records the shutdown grace, commits the finished ones, abandons the rest
     * (they are redelivered) and leaves the group. Idempotent.
     */
    @Override
    void close();
}
