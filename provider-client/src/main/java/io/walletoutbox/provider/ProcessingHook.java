package io.walletoutbox.provider;

import java.util.UUID;

/**
 * Called by the bill-payment consumer after the biller's definite answer and before the transaction that records
 * it, on the worker thread. For tests that simulate a crash at the worst moment (throw, or block until the
 * consumer is closed); production passes {@link #NONE}. An exception thrown here aborts the record's processing
 * (nothing is recorded; it is retried, or redelivered to another consumer).
 */
@FunctionalInterface
public interface ProcessingHook {
    /** Does nothing. */
    ProcessingHook NONE = (paymentId, outcome) -> {};

    /** The biller answered {@code outcome} for {@code paymentId}; nothing is recorded yet. */
    void beforeRecording(UUID paymentId, BillerOutcome outcome);
}
