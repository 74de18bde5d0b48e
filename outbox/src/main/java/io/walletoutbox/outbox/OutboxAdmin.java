package io.walletoutbox.outbox;

import io.walletoutbox.outbox.internal.PostgresOutboxAdmin;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Operator's view of the outbox: its backlog, and the parked events (those Kafka rejected for good), which can be
 * retried or discarded. Parked events live in {@code outbox_parked} in both modes (the CDC relay parks there too,
 * with shard {@code -1} and its WAL position as id); retrying depends on the mode (see {@link #retry(long)}). Each method without a {@link Connection} runs in a
 * transaction of its own on a connection of the admin's {@link DataSource}; those with one run in the caller's
 * transaction on it. A failing statement throws {@link OutboxException.DatabaseException}. Backs {@code GET
 * /admin/outbox}, {@code GET
 * /admin/outbox/parked}, {@code POST /admin/outbox/parked/{id}/retry} and {@code DELETE
 * /admin/outbox/parked/{id}}.
 */
public interface OutboxAdmin {

    /**
     * Counts the backlog and the parked events. Reads the tables, so callers that poll should cache it.
     *
     * @return the backlog, its oldest event's age and the number of parked events, read in one transaction
     */
    Status status();

    /**
     * Up to {@code limit} (1..1000) parked events with an id greater than {@code afterId}, by id: pass 0 for the
     * first page, then the last id of the previous page.
     *
     * @param limit the most events returned, 1..1000
     * @param afterId only events with a greater id are returned
     * @return the page, by increasing id; empty after the last page
     * @throws IllegalArgumentException when {@code limit} is outside 1..1000
     */
    List<ParkedEvent> listParked(int limit, long afterId);

    /**
     * Sends parked event {@code id} to the relay again, with its attempts reset, in the way of this admin's {@link
     * OutboxMode}; the event keeps its id ({@code ce_id}), key, topic, payload, headers and {@code createdAt}, so
     * the record Kafka gets is the one the relay would have sent the first time.
     *
     * <ul>
     *   <li>{@link OutboxMode#TABLE}: the event moves back into {@code outbox_event} at its original position
     *       (same id), and a polling relay publishes it. Under the {@code BLOCK} policy the key's later events,
     *       held back meanwhile, follow it; under {@code SKIP} its successors were published already, so it
     *       arrives after them. A relay polling idle sees it within its poll interval (or call its {@code
     *       wakeUp()}). An event parked by a CDC relay (shard {@code -1}) gets its key's shard.
     *   <li>{@link OutboxMode#LOGICAL_MESSAGE}: the parked row is deleted and the event emitted again as a
     *       logical decoding message in the same transaction, so the CDC relay publishes it once it commits. It
     *       goes out at its new WAL position: after every event committed before the retry, the key's later events
     *       included, whatever the parking policy (the WAL stream cannot hold one key back). Refused with {@link
     *       OutboxException.WritesRefusedException} when this admin's {@link WriteGate} refuses (the slot that
     *       would carry it is missing or invalidated); the parked row then stays.
     * </ul>
     *
     * @param id the parked event's {@link ParkedEvent#id() id}
     * @return false when no parked event has that id
     */
    boolean retry(long id);

    /**
     * {@link #retry(long)} inside the caller's transaction on {@code connection} (so an operator's audit record commits
     * with it, or neither does; in {@link OutboxMode#LOGICAL_MESSAGE} the re-emitted message is transactional too).
     *
     * @param connection the caller's connection, in its open transaction; neither committed nor closed here
     * @param id the parked event's {@link ParkedEvent#id() id}
     * @return false when no parked event has that id
     */
    boolean retry(Connection connection, long id);

    /**
     * Deletes parked event {@code id} for good; under the {@code BLOCK} policy this releases the key's later
     * events.
     *
     * @param id the parked event's {@link ParkedEvent#id() id}
     * @return false when no parked event has that id
     */
    boolean discard(long id);

    /**
     * {@link #discard(long)} inside the caller's transaction on {@code connection}.
     *
     * @param connection the caller's connection, in its open transaction; neither committed nor closed here
     * @param id the parked event's {@link ParkedEvent#id() id}
     * @return false when no parked event has that id
     */
    boolean discard(Connection connection, long id);

    /**
     * {@link #discard(Connection, long)}, answering with what was discarded (empty when no parked event has that id),
     * so the caller can deal with the event's consequences in the same transaction.
     *
     * @param connection the caller's connection, in its open transaction; neither committed nor closed here
     * @param id the parked event's {@link ParkedEvent#id() id}
     * @return the discarded event's id, key, type and payload; empty when no parked event has that id
     */
    Optional<DiscardedEvent> discardEvent(Connection connection, long id);

    /**
     * A discarded event.
     *
     * @param eventId the event id ({@code ce_id})
     * @param aggregateId the aggregate id (the record key)
     * @param type the event type
     * @param payload the event's payload (a copy)
     * @param contentType the payload's content type
     */
    record DiscardedEvent(UUID eventId, String aggregateId, String type, byte[] payload, String contentType) {
        /**
         * A discarded event; every component is required.
         *
         * @throws NullPointerException when a component is null
         */
        public DiscardedEvent {
            Objects.requireNonNull(eventId, "eventId");
            Objects.requireNonNull(aggregateId, "aggregateId");
            Objects.requireNonNull(type, "type");
            payload = Objects.requireNonNull(payload, "payload").clone();
            Objects.requireNonNull(contentType, "contentType");
        }

        /**
         * The payload (a copy).
         *
         * @return the bytes
         */
        @Override
        public byte[] payload() {
            return payload.clone();
        }

        /**
         * The payload decoded as UTF-8: the JSON text of a JSON event.
         *
         * @return the text
         */
        public String payloadText() {
            return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof DiscardedEvent d
                    && eventId.equals(d.eventId)
                    && aggregateId.equals(d.aggregateId)
                    && type.equals(d.type)
                    && java.util.Arrays.equals(payload, d.payload)
                    && contentType.equals(d.contentType);
        }

        @Override
        public int hashCode() {
            return Objects.hash(eventId, aggregateId, type, java.util.Arrays.hashCode(payload), contentType);
        }

        @Override
        public String toString() {
            return "DiscardedEvent[eventId=" + eventId + ", aggregateId=" + aggregateId + ", type=" + type
                    + ", payload=" + payload.length + " bytes of " + contentType + "]";
        }
    }

    /**
     * The stock implementation for PostgreSQL in {@link OutboxMode#TABLE}: {@code create(dataSource,
     * OutboxMode.TABLE)}.
     *
     * @param dataSource connections for the admin's own transactions
     * @return the admin, on the {@link OutboxTables#DEFAULTS default tables}
     */
    static OutboxAdmin create(DataSource dataSource) {
        return create(dataSource, OutboxMode.TABLE);
    }

    /**
     * The stock implementation for PostgreSQL, retrying parked events the way {@code mode}'s relay reads them: pass
     * the deployment's mode (the one given to {@link OutboxWriter#create(OutboxConfig, OutboxMode, Runnable)}).
     * Its own transactions take connections of {@code dataSource}.
     *
     * @param dataSource connections for the admin's own transactions
     * @param mode the deployment's mode, which decides how {@link #retry(long)} sends an event again
     * @return the admin, on the default tables, with a gate that never refuses
     */
    static OutboxAdmin create(DataSource dataSource, OutboxMode mode) {
        return create(dataSource, mode, WriteGate.OPEN);
    }

    /**
     * As {@link #create(DataSource, OutboxMode)}; a retry in {@link OutboxMode#LOGICAL_MESSAGE} first asks {@code gate}
     * (the writers' gate, e.g. the CDC slot monitor) and is refused when it refuses.
     *
     * @param dataSource connections for the admin's own transactions
     * @param mode the deployment's mode
     * @param gate asked before a retry in {@link OutboxMode#LOGICAL_MESSAGE}
     * @return the admin, on the default tables
     */
    static OutboxAdmin create(DataSource dataSource, OutboxMode mode, WriteGate gate) {
        return create(dataSource, mode, gate, OutboxTables.DEFAULTS);
    }

    /**
     * As {@link #create(DataSource, OutboxMode, WriteGate)}, on the outbox of {@code tables}.
     *
     * @param dataSource connections for the admin's own transactions
     * @param mode the deployment's mode
     * @param gate asked before a retry in {@link OutboxMode#LOGICAL_MESSAGE}
     * @param tables schema and table prefix of the outbox
     * @return the admin
     */
    static OutboxAdmin create(DataSource dataSource, OutboxMode mode, WriteGate gate, OutboxTables tables) {
        return new PostgresOutboxAdmin(dataSource, mode, gate, tables);
    }

    /**
     * The outbox at one moment.
     *
     * @param backlog events committed and not yet acknowledged by Kafka (parked ones excluded)
     * @param oldestAge age of the oldest of them (by {@code createdAt}); zero when the backlog is empty
     * @param parked parked events
     */
    record Status(long backlog, Duration oldestAge, long parked) {
        /**
         * The outbox at one moment; {@code oldestAge} is required.
         *
         * @throws NullPointerException when {@code oldestAge} is null
         */
        public Status {
            Objects.requireNonNull(oldestAge, "oldestAge");
        }
    }

    /**
     * One parked event (the payload itself is left out, it may be large).
     *
     * @param id its outbox position (in CDC mode its WAL position), kept on a table-mode retry
     * @param eventId the event id ({@code ce_id})
     * @param aggregateType the aggregate type
     * @param aggregateId the aggregate id (the record key)
     * @param type the event type
     * @param topic the topic it was bound for
     * @param payloadBytes size of its payload in bytes
     * @param attempts how many times Kafka rejected it; 0 for an event a relay never sent because it names a topic
     *     that is not one of the relay's (a retry parks it again: discard it)
     * @param lastError Kafka's last error, or why the relay did not send it
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
