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

    /** {@link Inbox#isProcessed} on {@code handle}'s connection. */
    public boolean isProcessed(Handle handle, String consumer, UUID eventId) {
        return inbox.isProcessed(handle.getConnection(), consumer, eventId);
    }

    /**
     * {@link Inbox#markProcessed} in {@code handle}'s transaction. Returns false when the entry was there before
     * (then roll back: a concurrent duplicate won).
     */
    public boolean markProcessed(Handle handle, String consumer, UUID eventId) {
        return inbox.markProcessed(handle.getConnection(), consumer, eventId);
    }

    /** {@link Inbox#purge} in short transactions of its own on {@code jdbi}'s connections. */
    public long purge(Jdbi jdbi, Duration retention) {
        return inbox.purge(JdbiOutbox.dataSource(jdbi), retention);
    }

    /** The core inbox. */
    public Inbox inbox() {
        return inbox;
    }
}
