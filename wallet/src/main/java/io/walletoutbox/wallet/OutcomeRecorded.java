package io.walletoutbox.wallet;

/** What {@link Wallets#recordOutcome(InboxEntry, java.util.UUID, java.util.UUID, PaymentOutcome)} did. */
public enum OutcomeRecorded {
    /** The payment was settled ({@code SUCCEEDED}) or refunded ({@code FAILED}), and the inbox entry written. */
    RECORDED,
    /** The payment was terminal already: only the inbox entry was written. */
    UNCHANGED,
    /** The inbox had the entry already (a duplicate delivery, or a concurrent one that committed first): nothing was written. */
    DUPLICATE
}
