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

    /** True when {@code consumer} has processed {@code eventId} (committed, or written in this transaction). */
    boolean isProcessed(Connection connection, String consumer, UUID eventId);

    /**
     * Records {@code eventId} as processed by {@code consumer}, in {@code connection}'s transaction. Returns false
     * when it was recorded before (then the caller should roll back its work, a concurrent duplicate won).
     */
    boolean markProcessed(Connection connection, String consumer, UUID eventId);

    /**
     * Deletes, in short transactions of its own on connections of {@code dataSource}, every consumer's entries
     * processed more than {@code retention} ago; returns how many. Keep {@code retention} longer than the topic's
     * retention: a redelivered event whose id was purged would be processed again.
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
