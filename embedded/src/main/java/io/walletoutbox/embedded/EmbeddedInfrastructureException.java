package io.walletoutbox.embedded;

/** An embedded PostgreSQL or Kafka broker could not be started or used. */
public class EmbeddedInfrastructureException extends RuntimeException {
    public EmbeddedInfrastructureException(String message, Throwable cause) {
        super(message, cause);
    }

    public EmbeddedInfrastructureException(String message) {
        super(message);
    }
}
