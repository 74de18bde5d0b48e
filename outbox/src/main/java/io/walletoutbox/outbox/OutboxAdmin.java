package io.walletoutbox.outbox;

import io.walletoutbox.outbox.internal.PostgresOutboxAdmin;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Operator's view of the outbox: its backlog, and the parked events (those Kafka rejected for good), which can be
 * retried or discarded. Each method runs in a transaction of its own. Backs {@code GET /admin/outbox}, {@code GET
 * /admin/outbox/parked}, {@code POST /admin/outbox/parked/{id}/retry} and {@code DELETE
 * /admin/outbox/parked/{id}}.
 */
public interface OutboxAdmin {

    /** Counts the backlog and the parked events. Reads the tables, so callers that poll should cache it. */
    Status status();

    /**
     * Up to {@code limit} (1..1000) parked events with an id greater than {@code afterId}, by id: pass 0 for the
     * first page, then the last id of the previous page.
     */
    List<ParkedEvent> listParked(int limit, long afterId);

    /**
     * Moves parked event {@code id} back into the outbox at its original position (same id), with its attempts
     * reset, so a relay publishes it again; under the {@code BLOCK} policy the key's later events follow it. Under
     * {@code SKIP} its successors were published already, so it arrives after them. A relay polling idle sees it
     * within its poll interval (or call its {@code wakeUp()}).
     *
     * @return false when no parked event has that id
     */
    boolean retry(long id);

    /**
     * {@link #retry(long)} inside the caller's transaction on {@code handle} (so an operator's audit record commits
     * with it, or neither does).
     */
    boolean retry(Handle handle, long id);

    /**
     * Deletes parked event {@code id} for good; under the {@code BLOCK} policy this releases the key's later
     * events.
     *
     * @return false when no parked event has that id
     */
    boolean discard(long id);

    /** {@link #discard(long)} inside the caller's transaction on {@code handle}. */
    boolean discard(Handle handle, long id);

    /** The stock implementation for PostgreSQL. */
    static OutboxAdmin create(Jdbi jdbi) {
        return new PostgresOutboxAdmin(Objects.requireNonNull(jdbi, "jdbi"));
    }

    /**
     * The outbox at one moment.
     *
     * @param backlog events committed and not yet acknowledged by Kafka (parked ones excluded)
     * @param oldestAge age of the oldest of them (by {@code createdAt}); zero when the backlog is empty
     * @param parked parked events
     */
    record Status(long backlog, Duration oldestAge, long parked) {
        public Status {
            Objects.requireNonNull(oldestAge, "oldestAge");
        }
    }

    /**
     * One parked event (the payload itself is left out, it may be large).
     *
     * @param id its outbox position, kept on retry
     * @param eventId the event id ({@code ce_id})
     * @param aggregateType the aggregate type
     * @param aggregateId the aggregate id (the record key)
     * @param type the event type
     * @param topic the topic it was bound for
     * @param payloadBytes size of its payload in UTF-8 bytes
     * @param attempts how many times Kafka rejected it
     * @param lastError Kafka's last error
     * @param createdAt when the event was made
     * @param parkedAt when it was parked
     */
    record ParkedEvent(
            long id,
            UUID eventId,
            String aggregateType,
            String aggregateId,
            String type,
            String topic,
            int payloadBytes,
            int attempts,
            String lastError,
            Instant createdAt,
            Instant parkedAt) {}
}
