package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.ServerSideAppend;
import io.walletoutbox.outbox.WriteGate;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Inserts outbox rows with plain SQL in the caller's transaction. */
public final class PostgresOutboxWriter implements OutboxWriter {
    private final OutboxConfig config;
    private final Runnable afterCommit;
    private final WriteGate gate;

    public PostgresOutboxWriter(OutboxConfig config, Runnable afterCommit) {
        this(config, afterCommit, WriteGate.OPEN);
    }

    public PostgresOutboxWriter(OutboxConfig config, Runnable afterCommit, WriteGate gate) {
        this.config = Objects.requireNonNull(config, "config");
        this.afterCommit = Objects.requireNonNull(afterCommit, "afterCommit");
        this.gate = Objects.requireNonNull(gate, "gate");
    }

    @Override
    public void append(Handle handle, OutboxEvent event) {
        Traces.create(event, stored -> insert(handle, stored));
    }

    private void insert(Handle handle, OutboxEvent event) {
        String headers = AppendChecks.requireTransactionAndHeaders(handle, event, gate);
        try {
            AppendChecks.bindEvent(
                            handle.createUpdate("""
                            INSERT INTO outbox_event (event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                                      payload, headers, created_at)
                            VALUES (:eventId, :shard, :aggregateType, :aggregateId, :type, :topic, :payload,
                                    CAST(:headers AS jsonb), :createdAt)
                            """).bind("shard", config.shardOf(event.aggregateId())), event, headers)
                    .execute();
        } catch (UnableToExecuteStatementException e) {
            if (SqlStates.isUniqueViolation(e)) {
                throw new OutboxException.DuplicateEventException(event.id());
            }
            throw e;
        }
        handle.afterCommit(afterCommit);
    }

    @Override
    public Optional<ServerSideAppend> serverSide(OutboxEvent event) {
        Objects.requireNonNull(event, "event");
        AppendChecks.requireOpen(gate);
        return Optional.of(new ServerSideAppend(
                event,
                OutboxMode.TABLE,
                OutboxMode.MESSAGE_PREFIX,
                config.shardOf(event.aggregateId()),
                AppendChecks.headers(event),
                afterCommit));
    }
}
