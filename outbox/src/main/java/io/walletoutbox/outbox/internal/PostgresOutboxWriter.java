package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.ServerSideAppend;
import io.walletoutbox.outbox.WriteGate;
import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;

/** Inserts outbox rows with plain SQL in the caller's transaction. */
public final class PostgresOutboxWriter implements OutboxWriter {
    private static final String INSERT = """
            INSERT INTO {outbox_event} (event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                        payload, payload_bytes, content_type, headers, created_at)
            VALUES (:eventId, :shard, :aggregateType, :aggregateId, :type, :topic, :payload, :payloadBytes,
                    :contentType, CAST(:headers AS jsonb), :createdAt)
            """;

    private final OutboxConfig config;
    private final NamedSql insert;
    private final Runnable afterCommit;
    private final WriteGate gate;

    public PostgresOutboxWriter(OutboxConfig config, Runnable afterCommit) {
        this(config, afterCommit, WriteGate.OPEN);
    }

    public PostgresOutboxWriter(OutboxConfig config, Runnable afterCommit, WriteGate gate) {
        this.config = Objects.requireNonNull(config, "config");
        this.insert = NamedSql.of(config.tables().render(INSERT));
        this.afterCommit = Objects.requireNonNull(afterCommit, "afterCommit");
        this.gate = Objects.requireNonNull(gate, "gate");
    }

    @Override
    public void append(Connection connection, OutboxEvent event) {
        Traces.create(event, stored -> insert(connection, stored));
    }

    private void insert(Connection connection, OutboxEvent event) {
        Objects.requireNonNull(connection, "connection");
        try {
            String headers = AppendChecks.requireTransactionAndHeaders(connection, event, gate);
            AppendChecks.bindEvent(
                            insert.on(connection).bind("shard", config.shardOf(event.aggregateId())),
                            event,
                            headers,
                            event.storedAsText())
                    .execute();
        } catch (SQLException e) {
            if (SqlStates.isUniqueViolation(e)) {
                throw new OutboxException.DuplicateEventException(event.id());
            }
            throw Jdbc.failed("outbox append", e);
        }
    }

    @Override
    public void committed() {
        afterCommit.run();
    }

    @Override
    public Optional<ServerSideAppend> serverSide(OutboxEvent event) {
        Objects.requireNonNull(event, "event");
        AppendChecks.requireOpen(gate);
        return Optional.of(new ServerSideAppend(
                event,
                OutboxMode.TABLE,
                config.tables().messagePrefix(),
                config.shardOf(event.aggregateId()),
                AppendChecks.headers(event),
                afterCommit,
                config.tables().name("outbox_append")));
    }
}
