package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.Inbox;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** The inbox table, with {@code INSERT … ON CONFLICT DO NOTHING} as the atomic test-and-set. */
public final class PostgresInbox implements Inbox {

    @Override
    public boolean isProcessed(Handle handle, String consumer, UUID eventId) {
        return handle.createQuery(
                        "SELECT EXISTS (SELECT 1 FROM inbox WHERE consumer = :consumer AND event_id = :eventId)")
                .bind("consumer", consumer)
                .bind("eventId", eventId)
                .mapTo(Boolean.class)
                .one();
    }

    @Override
    public boolean markProcessed(Handle handle, String consumer, UUID eventId) {
        return handle.createUpdate(
                                "INSERT INTO inbox (consumer, event_id) VALUES (:consumer, :eventId) ON CONFLICT DO NOTHING")
                        .bind("consumer", consumer)
                        .bind("eventId", eventId)
                        .execute()
                == 1;
    }

    @Override
    public long purge(org.jdbi.v3.core.Jdbi jdbi, java.time.Duration retention) {
        java.time.OffsetDateTime cutoff =
                java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).minus(retention);
        long total = 0;
        int deleted;
        do {
            deleted = jdbi.withHandle(
                    h -> h.createUpdate("""
                            DELETE FROM inbox WHERE ctid IN
                                (SELECT ctid FROM inbox WHERE processed_at < :cutoff LIMIT 5000)
                            """).bind("cutoff", cutoff).execute());
            total += deleted;
        } while (deleted == 5000);
        return total;
    }
}
