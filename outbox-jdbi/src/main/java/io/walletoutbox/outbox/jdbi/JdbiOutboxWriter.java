package io.walletoutbox.outbox.jdbi;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxWriter;
import java.util.Objects;
import org.jdbi.v3.core.Handle;

/**
 * An {@link OutboxWriter} on Jdbi handles ({@link JdbiOutbox#writer}): the core writer on the handle's connection,
 * with the after-commit wake-up registered as a Jdbi transaction callback.
 */
public final class JdbiOutboxWriter {
    private final OutboxWriter writer;

    JdbiOutboxWriter(OutboxWriter writer) {
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    /**
     * Appends {@code event} in {@code handle}'s open transaction ({@link OutboxWriter#append} on {@code
     * handle.getConnection()}), and registers the writer's {@link OutboxWriter#committed()} with {@link
     * Handle#afterCommit}: Jdbi runs it once the transaction commits, never after a rollback. Throws what {@link
     * OutboxWriter#append} throws.
     *
     * @param handle the caller's handle, in its open transaction; neither committed nor closed here
     * @param event the event to publish once that transaction commits
     * @throws OutboxException.NoTransactionException when {@code handle} has no open transaction
     */
    public void append(Handle handle, OutboxEvent event) {
        Objects.requireNonNull(handle, "handle");
        if (!handle.isInTransaction()) {
            throw new OutboxException.NoTransactionException();
        }
        writer.append(handle.getConnection(), event);
        handle.afterCommit(writer::committed);
    }

    /**
     * The core writer this one appends with (for its {@code serverSide} form, say).
     *
     * @return the writer given to {@link JdbiOutbox#writer}
     */
    public OutboxWriter writer() {
        return writer;
    }
}
