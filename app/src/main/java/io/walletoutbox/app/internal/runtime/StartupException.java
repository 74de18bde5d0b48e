package io.walletoutbox.app.internal.runtime;

/**
 * The service could not start; the message is the one line the operator sees. {@link #misconfigured()} tells a
 * setting that does not fit the infrastructure found (exit code 2, like a bad value) from a dependency that does not
 * answer (exit code 1).
 */
public final class StartupException extends RuntimeException {
    private final boolean misconfigured;

    public StartupException(String message) {
        this(message, null, false);
    }

    public StartupException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private StartupException(String message, Throwable cause, boolean misconfigured) {
        super(message, cause);
        this.misconfigured = misconfigured;
    }

    /** A start refused because what was found contradicts the configuration (exit code 2). */
    public static StartupException misconfiguration(String message) {
        return new StartupException(message, null, true);
    }

    /** True for a configuration that does not fit what was found: the operator must change a setting. */
    public boolean misconfigured() {
        return misconfigured;
    }
}
