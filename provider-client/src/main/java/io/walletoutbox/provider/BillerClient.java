package io.walletoutbox.provider;

import io.walletoutbox.provider.internal.HttpBillerClient;
import java.util.UUID;

/**
 * Pays bills at the biller, idempotently: every request of one payment carries {@code Idempotency-Key = paymentId},
 * so retrying, from any thread or process, never charges twice.
 */
public interface BillerClient extends AutoCloseable {

    /**
     * Sends the payment. Retries with exponential backoff and jitter on 5xx, 429, timeouts and connection errors
     * (always with the same key), up to the configured attempts, unless the circuit breaker is open. When the
     * attempts end without an answer and one of them might have reached the biller, asks {@code GET
     * /v1/payments/{key}}. Returns {@link BillerOutcome.Paid} or {@link BillerOutcome.Declined} only on the
     * biller's definite word. A {@code 401} or {@code 403} (to the payment or the status query) or a {@code 404}
     * to the payment is returned at once as {@link BillerOutcome.ConfigurationFault} (logged as one WARN line with
     * the payment id and status, counted in {@code biller.config.faults}, and counted as a failure by the circuit
     * breaker; while a circuit opened that way stays open, calls return a ConfigurationFault without a request).
     * Anything else is {@link BillerOutcome.Unknown} (then the charge may or may not have happened: the caller
     * retries later with the same call and never refunds). Every request carries the configured {@linkplain
     * BillerClientConfig#apiKey() credential} as {@code Authorization: Bearer …}. Blocks; interruptible (an
     * interrupted call returns Unknown with the thread's interrupt flag set). Thread-safe.
     */
    BillerOutcome pay(BillPaymentCall call);

    /**
     * Asks the biller what became of payment {@code paymentId} ({@code GET /v1/payments/{paymentId}}, the
     * idempotency key), once, without charging: {@link BillerOutcome.Paid} or {@link BillerOutcome.Declined} (the
     * stored definite answer), {@link BillerOutcome.NotCharged} ({@code 404}: no payment under the key), {@link
     * BillerOutcome.ConfigurationFault} ({@code 401}/{@code 403}) or {@link BillerOutcome.Unknown} (no answer).
     * Not guarded by the circuit breaker (one GET is cheap). Blocks; interruptible as {@link #pay}. Thread-safe.
     */
    BillerOutcome status(UUID paymentId);

    /**
     * True while this biller's latest answer was a {@link BillerOutcome.ConfigurationFault} (it refuses this service,
     * not a payment): its payments are held by a fault an operator fixes, not stalled, and the reconciliation
     * job's {@code no-progress} sweep leaves them to the consumer. The default: false.
     */
    default boolean answersConfigurationFault() {
        return false;
    }

    /** Releases the HTTP client's connections and threads; calls in progress fail with an Unknown outcome. */
    @Override
    void close();

    /** The stock client on the JDK's {@code HttpClient}, reporting as biller {@value Billers#DEFAULT_ID}. */
    static BillerClient create(BillerClientConfig config, ProviderMetrics metrics) {
        return create(Billers.DEFAULT_ID, config, metrics);
    }

    /**
     * The stock client on the JDK's {@code HttpClient} for biller {@code billerId} (the {@code biller} tag of its
     * circuit-breaker gauge).
     */
    static BillerClient create(String billerId, BillerClientConfig config, ProviderMetrics metrics) {
        return new HttpBillerClient(billerId, config, metrics);
    }
}
