package io.walletoutbox.outbox.jdbi;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * A {@link DataSource} over a {@link Jdbi} ({@link JdbiOutbox#dataSource}): each connection is an open handle's,
 * behind a proxy whose {@code close()} closes the handle, so the handle's connection goes back wherever Jdbi got it
 * from (a pool, say), with Jdbi's clean-up.
 */
final class HandleDataSource implements DataSource {
    private final Jdbi jdbi;

    HandleDataSource(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Handle handle;
        try {
            handle = jdbi.open();
        } catch (JdbiException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new SQLException("Jdbi could not open a handle", e);
        }
        Connection connection = handle.getConnection();
        return (Connection) Proxy.newProxyInstance(
                HandleDataSource.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "close" -> {
                            handle.close();
                            return null;
                        }
                        case "isClosed" -> {
                            return handle.isClosed() || connection.isClosed();
                        }
                        case "unwrap" -> {
                            return ((Class<?>) args[0]).isInstance(proxy)
                                    ? proxy
                                    : connection.unwrap((Class<?>) args[0]);
                        }
                        case "isWrapperFor" -> {
                            return ((Class<?>) args[0]).isInstance(proxy)
                                    || connection.isWrapperFor((Class<?>) args[0]);
                        }
                        case "equals" -> {
                            return proxy == args[0];
                        }
                        case "hashCode" -> {
                            return System.identityHashCode(proxy);
                        }
                        case "toString" -> {
                            return "Jdbi handle connection " + connection;
                        }
                        default -> {
                            try {
                                return method.invoke(connection, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }
                    }
                });
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("a Jdbi's connections are opened by the Jdbi, with its credentials");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // No log writer: Jdbi opens the connections.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // Jdbi opens the connections with its own settings.
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no java.util.logging here");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
