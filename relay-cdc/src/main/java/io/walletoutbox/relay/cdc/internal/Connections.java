package io.walletoutbox.relay.cdc.internal;

import io.walletoutbox.outbox.internal.sql.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The CDC relay's statements on a connection of the caller's {@link DataSource}, as it comes (auto-commit, as a
 * pool hands it out): the slot functions refuse to run in a transaction that wrote, and a statement that fails on
 * purpose (a slot created meanwhile by another instance) must not spoil those after it, so none of them runs in
 * a transaction of its own.
 */
public final class Connections {
    private Connections() {}

    /**
     * Runs {@code work} on a connection of {@code dataSource} and closes it; a {@link SQLException} becomes {@link
     * Jdbc#failed}'s unchecked exception naming {@code what}.
     */
    public static <T> T with(DataSource dataSource, String what, Jdbc.Work<T> work) {
        Objects.requireNonNull(dataSource, "dataSource");
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw Jdbc.failed(what, e);
        }
    }
}
