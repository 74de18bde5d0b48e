package io.walletoutbox.provider;

import java.util.Locale;

/**
 * Why the bill-payment consumer gave up on a record for good: the value of the {@code dlq_reason} header of its
 * dead letter and of the {@code reason} tag of {@code bill.payments.dead.lettered}. Each is permanent for that
 * record: retrying it would fail the same way, so it is dead-lettered, marked in the inbox (except {@link
 * #RECORD_MISMATCH}), and its wallet's lane and partition move on.
 */
public enum DeadLetterReason {
    /** Not a readable {@code BillPaymentRequested}: bad JSON, a missing or malformed header or field. */
    UNPARSEABLE,
    /** A {@code BillPayment…} event type this consumer does not handle. */
    UNKNOWN_EVENT_TYPE,
    /**
     * The ledger has no such payment (for example a record of another deployment sharing the topic); the biller is
     * not called when the {@link OutcomeRecorder#check check} says so first.
     */
    UNKNOWN_PAYMENT,
    /**
     * The payment names a biller that is not configured; never sent to another biller. The payment is also put in
     * reconciliation (it is the ledger's, and its money is held) until the biller is configured or an operator
     * resolves it.
     */
    UNKNOWN_BILLER,
    /**
     * The ledger refused the outcome ({@link ProviderException.OutcomeRefused}, or a constraint or data error of
     * the database). The payment is also put in reconciliation, with the error, for an operator.
     */
    LEDGER_REFUSED,
    /**
     * The record's wallet, biller, customer reference, amount or currency differ from its payment's row in the
     * ledger (a forged or corrupted record): never sent to a biller, and not marked in the inbox (its event id is
     * not to be trusted, so the payment's genuine event is still processed). Counted, and alerted on
     * ({@code BillPaymentRecordMismatch}).
     */
    RECORD_MISMATCH;

    /** The lower-case, dash-separated name used in headers, tags and logs, e.g. {@code unknown-biller}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
