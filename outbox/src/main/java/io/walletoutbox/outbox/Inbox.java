package io.walletoutbox.outbox;

import io.walletoutbox.outbox.internal.PostgresInbox;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Remembers which events a consumer has processed, so that a redelivered event is processed once.
 * Use it in the same transaction as the processing's own writes.
 */
public interface Inbox {

    /** True when {@code consumer} has processed {@code eventId} (committed). */
    boolean isProcessed(Handle handle, String consumer, UUID eventId);

    /**
     * Records {@code eventId} as processed by {@code consumer}, in {@code handle}'s transaction. Returns false
     * when it was recorded before (then the caller should roll back its work, a concurrent duplicate won).
     */
    boolean markProcessed(Handle handle, String consumer, UUID eventId);

    /** The stock inbox for PostgreSQL. */
    /**
     * Deletes, in its own short transactions on {@code jdbi}, every consumer's entries processed more than {@code
     * retention} ago; returns how many. Keep {@code retention} longer than the topic's retention: a redelivered event
     * whose id was purged would be processed again.
     */
    long purge(org.jdbi.v3.core.Jdbi jdbi, java.time.Duration retention);

    static Inbox create() {
        return new PostgresInbox();
    }
}
