package io.walletoutbox.outbox.jdbi;

import io.walletoutbox.outbox.Inbox;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** An {@link Inbox} on Jdbi handles ({@link JdbiOutbox#inbox}); each method is the core's on the handle's connection. */
public final class JdbiInbox {
    private final Inbox inbox;

    JdbiInbox(Inbox inbox) {
        this.inbox = Objects.requireNonNull(inbox, "inbox");
    }

    /**
     * {@link Inbox#isProcessed} on {@code handle}'s connection.
     *
     * @param handle the handle of the processing's own writes, in their transaction
     * @param consumer the consumer's name; entries are kept per consumer
     * @param eventId the event's id ({@code ce_id})
     * @return whether {@code consumer} has processed {@code eventId} (committed, or written in this transaction)
     */
    public boolean isProcessed(Handle handle, String consumer, UUID eventId) {
        return inbox.isProcessed(handle.getConnection(), consumer, eventId);
    }

    /**
     * {@link Inbox#markProcessed} in {@code handle}'s transaction. Returns false when the entry was there before
     * (then roll back: a concurrent duplicate won).
     *
     * @param handle the handle of the processing's own writes, in their transaction
     * @param consumer the consumer's name
     * @param eventId the event's id ({@code ce_id})
     * @return true when this call recorded it; false when {@code consumer} had recorded it before
     */
    public boolean markProcessed(Handle handle, String consumer, UUID eventId) {
        return inbox.markProcessed(handle.getConnection(), consumer, eventId);
    }

    /**
     * {@link Inbox#purge} in short transactions of its own on {@code jdbi}'s connections.
     *
     * @param jdbi opens the handles for the purge's transactions
     * @param retention how long an entry is kept after it was processed; keep it longer than the topic's retention
     * @return how many entries were deleted
     */
    public long purge(Jdbi jdbi, Duration retention) {
        return inbox.purge(JdbiOutbox.dataSource(jdbi), retention);
    }

    /**
     * The core inbox.
     *
     * @return the {@link Inbox} this one calls, for code that holds a plain {@code Connection}
     */
    public Inbox inbox() {
        return inbox;
    }
}
