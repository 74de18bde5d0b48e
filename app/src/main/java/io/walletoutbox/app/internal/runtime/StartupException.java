package io.walletoutbox.app.internal.runtime;

/** The service could not start; the message is the one line the operator sees. */
public final class StartupException extends RuntimeException {
    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
