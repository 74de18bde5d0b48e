package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxWriter;
import java.util.Objects;
import org.jdbi.v3.core.Handle;

/**
 * Writes each event as a transactional logical decoding message ({@code pg_logical_emit_message(true, …)}): it
 * is decoded at its transaction's commit, in commit order, and vanishes with a rollback, like a row would.
 *
 * <p>The message is a JSON document built by PostgreSQL itself, so that {@code createdAt} goes through the same
 * {@code timestamptz} conversion (rounding to microseconds) as the table writer's column, and the CDC relay's
 * {@code ce_time} is byte for byte the polling relay's: {@code {"eventId", "aggregateType", "aggregateId",
 * "type", "topic", "payload", "headers", "createdAtMicros"}} (epoch microseconds).
 */
public final class LogicalMessageOutboxWriter implements OutboxWriter {
    private final Runnable afterCommit;

    public LogicalMessageOutboxWriter(Runnable afterCommit) {
        this.afterCommit = Objects.requireNonNull(afterCommit, "afterCommit");
    }

    @Override
    public void append(Handle handle, OutboxEvent event) {
        String headers = AppendChecks.requireTransactionAndHeaders(handle, event);
        AppendChecks.bindEvent(handle.createQuery("""
                                SELECT pg_logical_emit_message(true, :prefix, json_build_object(
                                    'eventId', CAST(:eventId AS uuid),
                                    'aggregateType', CAST(:aggregateType AS text),
                                    'aggregateId', CAST(:aggregateId AS text),
                                    'type', CAST(:type AS text),
                                    'topic', CAST(:topic AS text),
                                    'payload', CAST(:payload AS text),
                                    'headers', CAST(:headers AS jsonb),
                                    'createdAtMicros',
                                        CAST(EXTRACT(EPOCH FROM CAST(:createdAt AS timestamptz)) * 1000000 AS bigint))::text)
                                """).bind("prefix", OutboxMode.MESSAGE_PREFIX), event, headers)
                .mapTo(String.class)
                .one();
        handle.afterCommit(afterCommit);
    }
}
