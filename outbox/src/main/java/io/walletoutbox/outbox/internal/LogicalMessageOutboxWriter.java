package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.ServerSideAppend;
import io.walletoutbox.outbox.WriteGate;
import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import java.sql.Connection;
import java.util.Objects;
import java.util.Optional;

/**
 * Writes each event as a transactional logical decoding message ({@code pg_logical_emit_message(true, …)}): it
 * is decoded at its transaction's commit, in commit order, and vanishes with a rollback, like a row would. The
 * message's document is {@link LogicalMessages}'s, so the CDC relay's {@code ce_time} is byte for byte the polling
 * relay's.
 */
public final class LogicalMessageOutboxWriter implements OutboxWriter {
    private static final NamedSql SQL = NamedSql.of("SELECT " + LogicalMessages.FROM_PARAMETERS);
    private static final NamedSql SQL_TYPED = NamedSql.of("SELECT " + LogicalMessages.FROM_PARAMETERS_TYPED);

    private final OutboxTables tables;
    private final Runnable afterCommit;
    private final WriteGate gate;

    public LogicalMessageOutboxWriter(OutboxTables tables, Runnable afterCommit, WriteGate gate) {
        this.tables = Objects.requireNonNull(tables, "tables");
        this.afterCommit = Objects.requireNonNull(afterCommit, "afterCommit");
        this.gate = Objects.requireNonNull(gate, "gate");
    }

    @Override
    public void append(Connection connection, OutboxEvent event) {
        Traces.create(event, stored -> emit(connection, stored));
    }

    private void emit(Connection connection, OutboxEvent event) {
        Jdbc.on(connection, "outbox append", c -> {
            String headers = AppendChecks.requireTransactionAndHeaders(c, event, gate);
            // A JSON text keeps the document of before (and of outbox_append); anything else says its type.
            boolean text = event.storedAsText();
            NamedSql sql = text && OutboxEvent.JSON.equals(event.contentType()) ? SQL : SQL_TYPED;
            return AppendChecks.bindEvent(sql.on(c).bind("prefix", tables.messagePrefix()), event, headers, text)
                    .one(rs -> rs.getString(1));
        });
    }

    @Override
    public void committed() {
        afterCommit.run();
    }

    /** The shard is not used in this mode (no row); 0 is passed. */
    @Override
    public Optional<ServerSideAppend> serverSide(OutboxEvent event) {
        Objects.requireNonNull(event, "event");
        AppendChecks.requireOpen(gate);
        return Optional.of(new ServerSideAppend(
                event,
                OutboxMode.LOGICAL_MESSAGE,
                tables.messagePrefix(),
                0,
                AppendChecks.headers(event),
                afterCommit,
                tables.name("outbox_append")));
    }
}
