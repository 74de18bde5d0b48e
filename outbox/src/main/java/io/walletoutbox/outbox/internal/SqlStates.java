package io.walletoutbox.outbox.internal;

import java.sql.SQLException;

/** Reads PostgreSQL's SQLSTATE out of a wrapped exception. */
final class SqlStates {
    private SqlStates() {}

    static boolean isUniqueViolation(Throwable e) {
        return "23505".equals(sqlState(e));
    }

    static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }
}
