package io.walletoutbox.outbox;

import io.walletoutbox.outbox.internal.LogicalMessageOutboxWriter;
import io.walletoutbox.outbox.internal.PostgresOutboxWriter;
import java.sql.Connection;
import java.util.Objects;

/**
 * Writes events to the outbox (a table, or the write-ahead log: see {@link OutboxMode}) inside the caller's
 * transaction.
 *
 * <p>Call {@link #append} after the row that orders the aggregate's events is locked (for an account, say: after
 * the guarded {@code UPDATE} of its balance), so that one aggregate's events get increasing outbox positions in
 * commit order, which is the order relays publish them in.
 *
 * <p><b>Waking a relay after the commit.</b> Plain JDBC has no commit callback, so the writer cannot see the
 * caller's commit. The {@code afterCommit} action given to {@link #create} (typically a relay's {@code wakeUp}) runs
 * when the caller reports the commit with {@link #committed()}: after {@code connection.commit()} returned, never
 * before and never after a rollback. An adapter registers that call with its transaction manager's after-commit
 * hook (the Jdbi adapter, {@code io.walletoutbox:outbox-jdbi}, with {@code Handle.afterCommit}). Without the call
 * nothing is lost, only latency: a polling relay still finds the event by its idle polling (within its maximum
 * poll interval, 500 ms by default) and, sooner, by its sequence probe, which reads the outbox's id sequence every
 * probe interval (1 ms by default) and sees it move at the insert; the CDC relay reads the committed message from
 * the write-ahead log and needs no wake-up.
 */
public interface OutboxWriter {

    /**
     * Inserts {@code event} in the caller's open transaction on {@code connection} (auto-commit off). The event
     * becomes visible to relays when that transaction commits and vanishes if it rolls back. The connection stays
     * the caller's: it is neither committed nor closed here. After the commit, call {@link #committed()} (or let an
     * adapter do it) to wake a relay in this process at once.
     *
     * <p>Traced (when an OpenTelemetry SDK is registered, see docs/tracing.md): the append is a {@code create
     * <topic>} PRODUCER span, child of the current span or else of the event's {@code traceparent} header, and the
     * event is stored with that span's context as its {@code traceparent}. Without an SDK the event is stored as
     * given.
     *
     * @param connection the caller's connection, in its open transaction; neither committed nor closed here
     * @param event the event to publish once that transaction commits
     * @throws OutboxException.NoTransactionException when {@code connection} is in auto-commit mode
     * @throws OutboxException.DuplicateEventException when an event with the same id exists (in {@link
     *     OutboxMode#TABLE}); the caller's transaction is then to be rolled back
     * @throws OutboxException.WritesRefusedException when the writer's {@link WriteGate} refuses (nothing written)
     * @throws OutboxException.DatabaseException when the statement fails otherwise
     */
    void append(Connection connection, OutboxEvent event);

    /**
     * Reports that a transaction in which this writer appended (or made a {@link ServerSideAppend}) has committed:
     * runs the {@code afterCommit} action given to {@link #create}, in-process wake-up of a relay. Call it after
     * {@code connection.commit()} returned, not after a rollback; an extra call costs a relay one early look, a
     * missing one costs latency only (see the type's documentation). Cheap; never throws.
     */
    void committed();

    /**
     * {@code event} prepared for an append the caller makes inside SQL of its own (the server-side function {@code
     * outbox_append}, see {@link ServerSideAppend}), which saves {@link #append}'s round trip. The write gate is
     * asked now. Empty when this writer has no server-side form: then use {@link #append}. The stock writers have
     * one. No span is made here: a caller that traces makes the {@code create} span around its own SQL and passes
     * its context in the event's {@code traceparent} header.
     *
     * @param event the event the caller's SQL will append
     * @return the function to call and its arguments besides the event's fields; empty when this writer has no
     *     server-side form
     * @throws OutboxException.WritesRefusedException when the writer's {@link WriteGate} refuses
     */
    default java.util.Optional<ServerSideAppend> serverSide(OutboxEvent event) {
        return java.util.Optional.empty();
    }

    /**
     * A builder of the stock writer for PostgreSQL, with named settings: {@code
     * OutboxWriter.builder().config(config).mode(mode).afterCommit(relay::wakeUp).gate(gate).build()}.
     *
     * @return a builder with the defaults
     */
    static OutboxWriterBuilder builder() {
        return new OutboxWriterBuilder();
    }

    /**
     * The stock writer for PostgreSQL.
     *
     * @param config the outbox's shard count and tables; the same for every writer and relay of the outbox
     * @param afterCommit what {@link #committed()} runs, after each transaction that appended at least one event
     *     commits; must be cheap and must not throw (typically {@code relay::wakeUp})
     * @return a writer in {@link OutboxMode#TABLE}, with a gate that never refuses
     */
    static OutboxWriter create(OutboxConfig config, Runnable afterCommit) {
        return new PostgresOutboxWriter(config, afterCommit);
    }

    /**
     * The stock writer for PostgreSQL in {@code mode}: {@link OutboxMode#TABLE} is {@link #create(OutboxConfig,
     * Runnable)}, for the polling relay; {@link OutboxMode#LOGICAL_MESSAGE} writes each event as a transactional
     * logical decoding message for the CDC relay, and leaves no row behind. In that mode an event id appended
     * twice is not detected ({@link OutboxException.DuplicateEventException} is never thrown): consumers
     * de-duplicate by event id anyway.
     *
     * @param config the outbox's shard count (used in {@link OutboxMode#TABLE} only) and tables
     * @param mode the deployment's mode; it must be the one recorded for the database (see {@link OutboxModes#claim})
     * @param afterCommit what {@link #committed()} runs (see {@link #create(OutboxConfig, Runnable)})
     * @return the writer for {@code mode}, with a gate that never refuses
     */
    static OutboxWriter create(OutboxConfig config, OutboxMode mode, Runnable afterCommit) {
        return create(config, mode, afterCommit, WriteGate.OPEN);
    }

    /**
     * As {@link #create(OutboxConfig, OutboxMode, Runnable)}, asking {@code gate} before each append: when it
     * refuses, {@link #append} throws {@link OutboxException.WritesRefusedException} and writes nothing. In {@link
     * OutboxMode#LOGICAL_MESSAGE} pass the CDC relay's slot monitor ({@code CdcSlotMonitor}), so that no payment
     * commits while the replication slot that would carry its event is missing or invalidated.
     *
     * @param config the outbox's shard count (used in {@link OutboxMode#TABLE} only) and tables
     * @param mode the deployment's mode
     * @param afterCommit what {@link #committed()} runs (see {@link #create(OutboxConfig, Runnable)})
     * @param gate asked before each append and each {@link #serverSide} form
     * @return the writer for {@code mode}
     */
    static OutboxWriter create(OutboxConfig config, OutboxMode mode, Runnable afterCommit, WriteGate gate) {
        Objects.requireNonNull(gate, "gate");
        return switch (Objects.requireNonNull(mode, "mode")) {
            case TABLE -> new PostgresOutboxWriter(config, afterCommit, gate);
            case LOGICAL_MESSAGE -> new LogicalMessageOutboxWriter(config.tables(), afterCommit, gate);
        };
    }
}
