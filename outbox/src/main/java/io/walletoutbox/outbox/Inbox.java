package io.walletoutbox.outbox;

import io.walletoutbox.outbox.internal.PostgresInbox;
import java.sql.Connection;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Remembers which events a consumer has processed, so that a redelivered event is processed once. Use it on the
 * connection, and in the transaction, of the processing's own writes. A failing statement throws {@link
 * OutboxException.DatabaseException}.
 */
public interface Inbox {

    /**
     * True when {@code consumer} has processed {@code eventId} (committed, or written in this transaction).
     *
     * @param connection the connection of the processing's own writes, in their transaction
     * @param consumer the consumer's name; entries are kept per consumer, so each consumer of an event processes it
     *     once
     * @param eventId the event's id ({@code ce_id})
     * @return whether {@code consumer}'s entry for {@code eventId} exists
     */
    boolean isProcessed(Connection connection, String consumer, UUID eventId);

    /**
     * Records {@code eventId} as processed by {@code consumer}, in {@code connection}'s transaction. Returns false
     * when it was recorded before (then the caller should roll back its work, a concurrent duplicate won).
     *
     * @param connection the connection of the processing's own writes, in their transaction
     * @param consumer the consumer's name
     * @param eventId the event's id ({@code ce_id})
     * @return true when this call recorded it; false when {@code consumer} had recorded it before
     */
    boolean markProcessed(Connection connection, String consumer, UUID eventId);

    /**
     * Deletes, in short transactions of its own on connections of {@code dataSource}, every consumer's entries
     * processed more than {@code retention} ago; returns how many. Keep {@code retention} longer than the topic's
     * retention: a redelivered event whose id was purged would be processed again.
     *
     * @param dataSource connections for the purge's own short transactions
     * @param retention how long an entry is kept after it was processed
     * @return how many entries were deleted
     */
    long purge(DataSource dataSource, Duration retention);

    /**
     * The stock inbox for PostgreSQL in the default tables (table {@code inbox}): {@code create(OutboxTables.DEFAULTS)}.
     *
     * @return the inbox
     */
    static Inbox create() {
        return create(OutboxTables.DEFAULTS);
    }

    /**
     * The stock inbox for PostgreSQL, on the inbox table of {@code tables} (see {@link OutboxSchema}).
     *
     * @param tables schema and table prefix of the outbox
     * @return the inbox
     */
    static Inbox create(OutboxTables tables) {
        return new PostgresInbox(java.util.Objects.requireNonNull(tables, "tables"));
    }
}
