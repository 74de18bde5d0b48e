package io.walletoutbox.provider;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.walletoutbox.provider.internal.KafkaBillPaymentConsumer;
import org.jdbi.v3.core.Jdbi;

/**
 * Consumes {@code BillPaymentRequested} events and pays them at the payment's biller.
 *
 * <p>Per record (header {@code ce_type}): {@code BillPaymentRequested} is skipped when its {@code ce_id} is in the
 * inbox; otherwise the payment's biller (the event's {@code biller}, looked up in {@link Billers}) is paid (key =
 * payment id), then ONE transaction writes the inbox row and the outcome through {@link OutcomeRecorder} (a
 * concurrent duplicate that won the inbox row rolls this one back). {@code BillPaymentSucceeded}/{@code
 * BillPaymentFailed} and event types not starting with {@code BillPayment} are acknowledged and ignored.
 *
 * <p>Failures are of two classes:
 *
 * <ul>
 *   <li><b>Permanent for the record</b> ({@link DeadLetterReason}): unparseable, an unknown {@code BillPayment…}
 *       type, a payment the ledger does not know (its {@link OutcomeRecorder#lookup} says so before the biller is
 *       called, or the recorder refuses), a biller that is not configured (never sent to another biller), an
 *       outcome the ledger refuses. After {@code poisonAttempts} attempts the record goes to {@code <topic>.dlq}
 *       with headers {@code dlq_reason} and {@code dlq_error}, its {@code ce_id} is marked in the inbox (a
 *       redelivery skips it), {@code bill.payments.dead.lettered{reason}} counts it, and its lane and partition
 *       move on. An unknown biller or a refused outcome of a parsed payment is also put in reconciliation (it is
 *       this ledger's payment, its money is held). A biller's text (decline reason, reference) is cleaned and
 *       bounded where it enters ({@link BillerOutcome.Paid}, {@link BillerOutcome.Declined}), so it cannot make the
 *       ledger refuse an outcome.
 *   <li><b>Transient</b>: the database, the recorder, Kafka: retried with backoff; past {@link
 *       BillPaymentConsumerConfig#maxRecordRetry()} the payment is put in reconciliation (reason {@code
 *       transient-failure}) and the record completed (inbox row, offset), so the wallet's later payments are
 *       processed as usual while the {@link ReconciliationJob} settles the escalated one. An unknown biller
 *       outcome is asked again with backoff and, past the reconciliation horizon, put in reconciliation (reason
 *       {@code unknown-outcome}) the same way; it is never recorded as a decline.
 * </ul>
 *
 * <p>A {@link BillerOutcome.ConfigurationFault} ({@code 401}/{@code 403} from the biller, or {@code 404} on its
 * payments route) is neither: nothing is recorded, the payment stays pending and is asked again with the same
 * backoff, without end, and the fault restarts both bounds, so a credential outage never floods reconciliation.
 * It holds up the records after it on the same wallet until the configuration is fixed; the client's circuit
 * opens, and the {@code biller.config.faults} counter (alert {@code BillerConfigurationFault}) tells the operator.
 *
 * <p>Order and concurrency: records of one key (wallet) are processed one after another, in offset order;
 * different keys concurrently on virtual threads. Offsets are committed only up to the first unfinished record
 * of each partition, after its transaction. Fetching pauses at {@code maxInFlight} records, not counting those
 * held up by a failing dependency (they are bounded by {@link BillPaymentConsumerConfig#maxHeld()}), so one
 * biller's outage does not stop the other billers' payments. On a rebalance or close, in-flight records get the
 * shutdown grace to finish; the rest are abandoned uncommitted and redelivered (the inbox and the idempotency key
 * make that safe).
 */
public interface BillPaymentConsumer extends AutoCloseable {

    /**
     * A consumer, not yet started, paying each payment at its biller in {@code billers} (which it does not close).
     * {@code jdbi} must reach the database holding the inbox ({@code OutboxSchema.migrate}) and the reconciliation
     * table ({@link ProviderSchema#migrate}).
     */
    static BillPaymentConsumer create(
            BillPaymentConsumerConfig config,
            Jdbi jdbi,
            Billers billers,
            OutcomeRecorder recorder,
            ProviderMetrics metrics) {
        return create(config, jdbi, billers, recorder, metrics, ProcessingHook.NONE);
    }

    /** As {@link #create(BillPaymentConsumerConfig, Jdbi, Billers, OutcomeRecorder, ProviderMetrics)}, with a test hook. */
    static BillPaymentConsumer create(
            BillPaymentConsumerConfig config,
            Jdbi jdbi,
            Billers billers,
            OutcomeRecorder recorder,
            ProviderMetrics metrics,
            ProcessingHook hook) {
        return new KafkaBillPaymentConsumer(config, jdbi, billers, recorder, metrics, hook);
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
