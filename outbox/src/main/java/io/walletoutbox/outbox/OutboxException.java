package io.walletoutbox.outbox;

/** Root of the outbox module's exceptions. */
public class OutboxException extends RuntimeException {
    public OutboxException(String message) {
        super(message);
    }

    public OutboxException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@link OutboxWriter#append} was called on a handle with no open transaction. */
    public static final class NoTransactionException extends OutboxException {
        public NoTransactionException() {
            super("OutboxWriter.append needs the caller's open transaction; the handle has none");
        }
    }

    /** An event with this id was appended before. */
    public static final class DuplicateEventException extends OutboxException {
        public DuplicateEventException(java.util.UUID id) {
            super("an outbox event with id " + id + " exists already");
        }
    }
}
