package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import java.util.Optional;
import javax.sql.DataSource;

/** The statements of {@link io.walletoutbox.outbox.OutboxModes}, on table {@code outbox_mode}. */
public final class PostgresOutboxModes {
    private static final NamedSql RECORD =
            NamedSql.of("INSERT INTO outbox_mode (mode) VALUES (:mode) ON CONFLICT DO NOTHING");
    private static final NamedSql READ = NamedSql.of("SELECT mode FROM outbox_mode");
    private static final NamedSql LOCK_EVENTS = NamedSql.of("LOCK TABLE outbox_event IN SHARE MODE");
    private static final NamedSql READ_FOR_UPDATE = NamedSql.of("SELECT mode FROM outbox_mode FOR UPDATE");
    private static final NamedSql BACKLOG = NamedSql.of("SELECT count(*) FROM outbox_event");
    private static final NamedSql SWITCH = NamedSql.of("""
            INSERT INTO outbox_mode (mode) VALUES (:mode)
            ON CONFLICT (singleton) DO UPDATE SET mode = excluded.mode, recorded_at = now()
            """);

    private PostgresOutboxModes() {}

    /** Records {@code mode} unless one is recorded; returns the recorded one. */
    public static OutboxMode claim(DataSource dataSource, OutboxMode mode) {
        return Jdbc.inTransaction(dataSource, "outbox mode claim", c -> {
            RECORD.on(c).bind("mode", mode.name()).execute();
            return OutboxMode.valueOf(READ.on(c).one(rs -> rs.getString(1)));
        });
    }

    /** The recorded mode, if any. */
    public static Optional<OutboxMode> recorded(DataSource dataSource) {
        return Jdbc.inTransaction(
                dataSource, "outbox mode read", c -> READ.on(c).findOne(rs -> OutboxMode.valueOf(rs.getString(1))));
    }

    /** See {@link io.walletoutbox.outbox.OutboxModes#switchTo}. */
    public static Optional<OutboxMode> switchTo(DataSource dataSource, OutboxMode mode) {
        return Jdbc.inTransaction(dataSource, "outbox mode switch", c -> {
            LOCK_EVENTS.on(c).execute();
            Optional<OutboxMode> before = READ_FOR_UPDATE.on(c).findOne(rs -> OutboxMode.valueOf(rs.getString(1)));
            if (before.equals(Optional.of(mode))) {
                return before;
            }
            long backlog = BACKLOG.on(c).one(rs -> rs.getLong(1));
            if (backlog > 0) {
                throw new OutboxException.ModeSwitchRefusedException(backlog
                        + " events in outbox_event are not published yet; let a polling relay publish them"
                        + " (outbox_backlog 0) and try again");
            }
            SWITCH.on(c).bind("mode", mode.name()).execute();
            return before;
        });
    }
}
