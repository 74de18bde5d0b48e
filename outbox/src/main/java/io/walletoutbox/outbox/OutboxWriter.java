package io.walletoutbox.outbox;

import io.walletoutbox.outbox.internal.LogicalMessageOutboxWriter;
import io.walletoutbox.outbox.internal.PostgresOutboxWriter;
import java.util.Objects;
import org.jdbi.v3.core.Handle;

/**
 * Writes events to the outbox (a table, or the write-ahead log: see {@link OutboxMode}) inside the caller's
 * transaction.
 *
 * <p>Call {@link #append} after the row that orders the aggregate's events is locked (for an account, say: after
 * the guarded {@code UPDATE} of its balance), so that one aggregate's events get increasing outbox positions in
 * commit order, which is the order relays publish them in.
 */
public interface OutboxWriter {

    /**
     * Inserts {@code event} using {@code handle}'s open transaction. The event becomes visible to relays when
     * that transaction commits and vanishes if it rolls back. After a commit, the listeners given to {@link
     * #create} are told (in-process wake-up of a relay).
     *
     * <p>Traced (when an OpenTelemetry SDK is registered, see docs/tracing.md): the append is a {@code create
     * <topic>} PRODUCER span, child of the current span or else of the event's {@code traceparent} header, and the
     * event is stored with that span's context as its {@code traceparent}. Without an SDK the event is stored as
     * given.
     *
     * @throws OutboxException.NoTransactionException when {@code handle} has no open transaction
     * @throws OutboxException.DuplicateEventException when an event with the same id exists
     * @throws OutboxException.WritesRefusedException when the writer's {@link WriteGate} refuses (nothing written)
     */
    void append(Handle handle, OutboxEvent event);

    /**
     * {@code event} prepared for an append the caller makes inside SQL of its own (the server-side function {@code
     * outbox_append}, see {@link ServerSideAppend}), which saves {@link #append}'s round trip. The write gate is
     * asked now. Empty when this writer has no server-side form: then use {@link #append}. The stock writers have
     * one. No span is made here: a caller that traces makes the {@code create} span around its own SQL and passes
     * its context in the event's {@code traceparent} header.
     *
     * @throws OutboxException.WritesRefusedException when the writer's {@link WriteGate} refuses
     */
    default java.util.Optional<ServerSideAppend> serverSide(OutboxEvent event) {
        return java.util.Optional.empty();
    }

    /**
     * The stock writer for PostgreSQL.
     *
     * @param afterCommit run after each transaction that appended at least one event commits; must be cheap
     *     and must not throw (typically {@code relay::wakeUp})
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
     */
    static OutboxWriter create(OutboxConfig config, OutboxMode mode, Runnable afterCommit) {
        return create(config, mode, afterCommit, WriteGate.OPEN);
    }

    /**
     * As {@link #create(OutboxConfig, OutboxMode, Runnable)}, asking {@code gate} before each append: when it
     * refuses, {@link #append} throws {@link OutboxException.WritesRefusedException} and writes nothing. In {@link
     * OutboxMode#LOGICAL_MESSAGE} pass the CDC relay's slot monitor ({@code CdcSlotMonitor}), so that no payment
     * commits while the replication slot that would carry its event is missing or invalidated.
     */
    static OutboxWriter create(OutboxConfig config, OutboxMode mode, Runnable afterCommit, WriteGate gate) {
        Objects.requireNonNull(gate, "gate");
        return switch (Objects.requireNonNull(mode, "mode")) {
            case TABLE -> new PostgresOutboxWriter(config, afterCommit, gate);
            case LOGICAL_MESSAGE -> new LogicalMessageOutboxWriter(afterCommit, gate);
        };
    }
}
