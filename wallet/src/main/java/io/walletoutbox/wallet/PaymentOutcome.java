package io.walletoutbox.wallet;

import java.util.Objects;

/** A definite answer from the biller; an unknown outcome is never recorded (it must not refund). */
public sealed interface PaymentOutcome {
    /** The biller charged; {@code reference} is its payment id. */
    record Paid(String reference) implements PaymentOutcome {
        public Paid {
            Objects.requireNonNull(reference, "reference");
        }
    }

    /** The biller refused for good; the wallet is refunded. */
    record Declined(String reason) implements PaymentOutcome {
        public Declined {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
