package io.walletoutbox.outbox.internal.sql;

import io.walletoutbox.outbox.OutboxException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/** The outbox's own transactions on a {@link DataSource}, and the translation of a {@link SQLException}. */
public final class Jdbc {
    private Jdbc() {}

    /** Work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        /** Runs on {@code connection}. */
        T run(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code work} in a transaction of its own on a connection of {@code dataSource}: committed when it returns,
     * rolled back when it throws (the exception then goes on as it was, a {@link SQLException} translated by {@link
     * #failed}). The connection's auto-commit is put back before it is closed.
     */
    public static <T> T inTransaction(DataSource dataSource, String what, Work<T> work) {
        Objects.requireNonNull(dataSource, "dataSource");
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            Throwable failure = null;
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (Throwable e) {
                failure = e;
                try {
                    connection.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                // A broken connection fails here too: the work's own failure is what the caller must see.
                try {
                    connection.setAutoCommit(autoCommit);
                } catch (SQLException reset) {
                    if (failure == null) {
                        throw reset;
                    }
                    failure.addSuppressed(reset);
                }
            }
        } catch (SQLException e) {
            throw failed(what, e);
        }
    }

    /** Runs {@code work} on the caller's {@code connection}, as it is (its transaction, if any, is the caller's). */
    public static <T> T on(Connection connection, String what, Work<T> work) {
        Objects.requireNonNull(connection, "connection");
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw failed(what, e);
        }
    }

    /** {@code e} as the outbox's unchecked exception, naming what failed. */
    public static OutboxException.DatabaseException failed(String what, SQLException e) {
        return new OutboxException.DatabaseException(what, e);
    }
}
