package io.walletoutbox.provider;

/** What a call to the biller established. Only {@link Paid} and {@link Declined} are definite. */
public sealed interface BillerOutcome {
    /** The biller charged; {@code reference} is its payment id. */
    record Paid(String reference) implements BillerOutcome {}

    /** The biller refused for good (for example an unknown customer). */
    record Declined(String reason) implements BillerOutcome {}

    /** Nobody knows whether the biller charged (timeout, connection lost, 5xx after retries): never refund. */
    record Unknown(String cause) implements BillerOutcome {}
}
