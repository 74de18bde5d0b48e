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
}
