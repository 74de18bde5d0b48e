package io.walletoutbox.provider;

import io.walletoutbox.provider.internal.ReconciliationWorker;
import org.jdbi.v3.core.Jdbi;

/**
 * Settles reconciliation entries without an operator. For each unresolved entry that is due, it asks the payment's
 * biller for the status of the key (the payment id) and, on a definite answer, settles it in ONE transaction with
 * the entry marked resolved (how {@code job}, by {@value #ACTOR}):
 *
 * <ul>
 *   <li>paid → {@link OutcomeRecorder#paid} (SUCCEEDED);
 *   <li>declined → {@link OutcomeRecorder#declined} (FAILED, refunded);
 *   <li>no payment under the key ({@code 404}), proven because every attempt that may have charged is within the
 *       biller's {@linkplain BillerClientConfig#keyRetention() key retention} of the answer: while the first
 *       attempt is younger than the retention, it charges again with the same key ({@link BillerClient#pay}) and
 *       settles on that answer; once the retention has passed since the first attempt, → {@link
 *       OutcomeRecorder#declined} with a reason saying it was never charged (FAILED, refunded);
 *   <li>anything else (biller down, a configuration fault, a {@code 404} that can no longer prove anything, a
 *       biller not configured, the ledger refusing) → the entry's last cause is updated and it is asked again
 *       after {@link ReconciliationConfig#recheckInterval()}, doubling to {@link ReconciliationConfig#recheckMax()}.
 * </ul>
 *
 * <p>Several instances may run one each: an entry being worked on is leased ({@link ReconciliationConfig#lease()}).
 * It also keeps the gauges {@code bill.payments.reconciliation.pending} and {@code
 * bill.payments.reconciliation.oldest.age} fresh.
 */
public interface ReconciliationJob extends AutoCloseable {
    /** The {@code resolved_by} of the entries the job settles. */
    String ACTOR = "reconciliation-job";

    /** Starts the job on a thread of its own; returns at once. Call once. */
    void start();

    /**
     * True between {@link #start} and {@link #close}, unless its loop died of an unexpected error (logged); for
     * the app's liveness check.
     */
    boolean isRunning();

    /** Stops the loop; entries being worked on get a few seconds, then are abandoned (their lease expires). Idempotent. */
    @Override
    void close();

    /** A job, not started. {@code jdbi} reaches the reconciliation table ({@link ProviderSchema#migrate}). */
    static ReconciliationJob create(
            ReconciliationConfig config,
            Jdbi jdbi,
            Billers billers,
            OutcomeRecorder recorder,
            ProviderMetrics metrics) {
        return new ReconciliationWorker(config, jdbi, billers, recorder, metrics);
    }
}
