package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.Inbox;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import java.sql.Connection;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;

/** The inbox table, with {@code INSERT … ON CONFLICT DO NOTHING} as the atomic test-and-set. */
public final class PostgresInbox implements Inbox {
    private final NamedSql isProcessed;
    private final NamedSql mark;
    private final NamedSql purge;

    public PostgresInbox(OutboxTables tables) {
        isProcessed = NamedSql.of(tables.render(
                "SELECT EXISTS (SELECT 1 FROM {inbox} WHERE consumer = :consumer AND event_id = :eventId)"));
        mark = NamedSql.of(tables.render(
                "INSERT INTO {inbox} (consumer, event_id) VALUES (:consumer, :eventId) ON CONFLICT DO NOTHING"));
        purge = NamedSql.of(tables.render("""
                DELETE FROM {inbox} WHERE ctid IN
                    (SELECT ctid FROM {inbox} WHERE processed_at < :cutoff LIMIT 5000)
                """));
    }

    @Override
    public boolean isProcessed(Connection connection, String consumer, UUID eventId) {
        return Jdbc.on(
                connection,
                "inbox read",
                c -> isProcessed
                        .on(c)
                        .bind("consumer", consumer)
                        .bind("eventId", eventId)
                        .one(rs -> rs.getBoolean(1)));
    }

    @Override
    public boolean markProcessed(Connection connection, String consumer, UUID eventId) {
        return Jdbc.on(
                        connection,
                        "inbox mark",
                        c -> mark.on(c)
                                .bind("consumer", consumer)
                                .bind("eventId", eventId)
                                .execute())
                == 1;
    }

    @Override
    public long purge(DataSource dataSource, Duration retention) {
        Objects.requireNonNull(dataSource, "dataSource");
        OffsetDateTime cutoff = OffsetDateTime.now(ZoneOffset.UTC).minus(retention);
        long total = 0;
        int deleted;
        do {
            deleted = Jdbc.inTransaction(
                    dataSource,
                    "inbox purge",
                    c -> purge.on(c).bind("cutoff", cutoff).execute());
            total += deleted;
        } while (deleted == 5000);
        return total;
    }
}
