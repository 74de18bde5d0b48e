package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import java.util.Optional;
import javax.sql.DataSource;

/** The statements of {@link io.walletoutbox.outbox.OutboxModes}, on table {@code outbox_mode} of some tables. */
public final class PostgresOutboxModes {
    private final String events;
    private final NamedSql record;
    private final NamedSql read;
    private final NamedSql lockEvents;
    private final NamedSql readForUpdate;
    private final NamedSql backlog;
    private final NamedSql switchMode;

    /** The statements on {@code tables}. */
    public PostgresOutboxModes(OutboxTables tables) {
        events = tables.name("outbox_event");
        record = NamedSql.of(tables.render("INSERT INTO {outbox_mode} (mode) VALUES (:mode) ON CONFLICT DO NOTHING"));
        read = NamedSql.of(tables.render("SELECT mode FROM {outbox_mode}"));
        lockEvents = NamedSql.of(tables.render("LOCK TABLE {outbox_event} IN SHARE MODE"));
        readForUpdate = NamedSql.of(tables.render("SELECT mode FROM {outbox_mode} FOR UPDATE"));
        backlog = NamedSql.of(tables.render("SELECT count(*) FROM {outbox_event}"));
        switchMode = NamedSql.of(tables.render("""
                INSERT INTO {outbox_mode} (mode) VALUES (:mode)
                ON CONFLICT (singleton) DO UPDATE SET mode = excluded.mode, recorded_at = now()
                """));
    }

    /** Records {@code mode} unless one is recorded; returns the recorded one. */
    public OutboxMode claim(DataSource dataSource, OutboxMode mode) {
        return Jdbc.inTransaction(dataSource, "outbox mode claim", c -> {
            record.on(c).bind("mode", mode.name()).execute();
            return OutboxMode.valueOf(read.on(c).one(rs -> rs.getString(1)));
        });
    }

    /** The recorded mode, if any. */
    public Optional<OutboxMode> recorded(DataSource dataSource) {
        return Jdbc.inTransaction(
                dataSource, "outbox mode read", c -> read.on(c).findOne(rs -> OutboxMode.valueOf(rs.getString(1))));
    }

    /** See {@link io.walletoutbox.outbox.OutboxModes#switchTo}. */
    public Optional<OutboxMode> switchTo(DataSource dataSource, OutboxMode mode) {
        return Jdbc.inTransaction(dataSource, "outbox mode switch", c -> {
            lockEvents.on(c).execute();
            Optional<OutboxMode> before = readForUpdate.on(c).findOne(rs -> OutboxMode.valueOf(rs.getString(1)));
            if (before.equals(Optional.of(mode))) {
                return before;
            }
            long count = backlog.on(c).one(rs -> rs.getLong(1));
            if (count > 0) {
                throw new OutboxException.ModeSwitchRefusedException(count + " events in " + events
                        + " are not published yet; let a polling relay publish them (outbox_backlog 0) and try"
                        + " again");
            }
            switchMode.on(c).bind("mode", mode.name()).execute();
            return before;
        });
    }
}
