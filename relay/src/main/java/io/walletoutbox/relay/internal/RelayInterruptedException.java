package io.walletoutbox.relay.internal;

/** The relay was closed while waiting for Kafka; the transaction rolls back and the rows stay. */
public final class RelayInterruptedException extends RuntimeException {
    RelayInterruptedException(InterruptedException cause) {
        super("relay interrupted", cause);
    }
}
