package io.walletoutbox.app.internal.http;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;

/**
 * Recognises a failure that means "the database cannot take this request now" rather than a defect: the
 * connection pool timed out (every connection busy), the connection broke or could not be made (SQLSTATE class
 * {@code 08}), the server is shutting down or starting ({@code 57P01}–{@code 57P03}), has too many connections
 * ({@code 53300}), or the connection reached a server that is not (or no longer) the primary ({@code 25006},
 * read-only transaction: a standby during a failover). Such a request changed nothing and is answered with
 * {@code 503} and {@code Retry-After}.
 */
final class DatabaseUnavailable {
    private static final Set<String> STATES = Set.of("57P01", "57P02", "57P03", "53300", "25006");

    private DatabaseUnavailable() {}

    /** Whether {@code e} or one of its causes says the database is unavailable. */
    static boolean matches(Throwable e) {
        return find(e) != null;
    }

    /** The cause that made {@link #matches} true, as one line for the log. */
    static String describe(Throwable e) {
        Throwable cause = find(e);
        return String.valueOf(cause == null ? e : cause);
    }

    private static Throwable find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return t;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || STATES.contains(state)) {
                    return t;
                }
            }
        }
        return null;
    }
}
