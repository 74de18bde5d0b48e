package io.walletoutbox.provider;

/** Root of the provider module's exceptions. */
public class ProviderException extends RuntimeException {
    /** An exception with a message. */
    public ProviderException(String message) {
        super(message);
    }

    /** An exception with a message and a cause. */
    public ProviderException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The biller simulator could not start (the port is taken, for example). */
    public static final class SimulatorStartException extends ProviderException {
        /** The start failed for {@code cause}. */
        public SimulatorStartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A Kafka record cannot be processed, whatever the number of attempts (bad JSON, missing headers). */
    public static final class PoisonRecordException extends ProviderException {
        /** Why the record cannot be processed. */
        public PoisonRecordException(String message) {
            super(message);
        }

        /** Why the record cannot be processed, and the parsing error. */
        public PoisonRecordException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Thrown by an {@link OutcomeRecorder} to say the ledger refuses an outcome for good: the payment does not exist
     * ({@link DeadLetterReason#UNKNOWN_PAYMENT}) or the value can never be recorded ({@link
     * DeadLetterReason#LEDGER_REFUSED}). The consumer then dead-letters the record instead of retrying it; see
     * {@link BillPaymentConsumer}.
     */
    public static final class OutcomeRefused extends ProviderException {
        private final DeadLetterReason reason;

        /**
         * A refusal for {@code reason} ({@link DeadLetterReason#UNKNOWN_PAYMENT} or {@link
         * DeadLetterReason#LEDGER_REFUSED}).
         */
        public OutcomeRefused(DeadLetterReason reason, String message, Throwable cause) {
            super(message, cause);
            if (reason != DeadLetterReason.UNKNOWN_PAYMENT && reason != DeadLetterReason.LEDGER_REFUSED) {
                throw new IllegalArgumentException(
                        "a ledger refuses with unknown-payment or ledger-refused, not " + reason);
            }
            this.reason = reason;
        }

        /** The payment is not in the ledger. */
        public static OutcomeRefused unknownPayment(java.util.UUID paymentId, Throwable cause) {
            return new OutcomeRefused(
                    DeadLetterReason.UNKNOWN_PAYMENT, "no payment " + paymentId + " in the ledger", cause);
        }

        /** The ledger can never record this outcome ({@code message} says why). */
        public static OutcomeRefused ledgerRefused(String message, Throwable cause) {
            return new OutcomeRefused(DeadLetterReason.LEDGER_REFUSED, message, cause);
        }

        /** Why the outcome was refused. */
        public DeadLetterReason reason() {
            return reason;
        }
    }
}
