package io.walletoutbox.provider;

/** Root of the provider module's exceptions. */
public class ProviderException extends RuntimeException {
    public ProviderException(String message) {
        super(message);
    }

    public ProviderException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The biller simulator could not start (the port is taken, for example). */
    public static final class SimulatorStartException extends ProviderException {
        public SimulatorStartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A Kafka record cannot be processed, whatever the number of attempts (bad JSON, missing headers). */
    public static final class PoisonRecordException extends ProviderException {
        public PoisonRecordException(String message) {
            super(message);
        }

        public PoisonRecordException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
