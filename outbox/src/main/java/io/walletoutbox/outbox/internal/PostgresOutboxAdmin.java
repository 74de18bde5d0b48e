package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.WriteGate;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** {@link OutboxAdmin} over the outbox tables, retrying parked events the way its mode's relay reads them. */
public final class PostgresOutboxAdmin implements OutboxAdmin {
    /** CDC mode: delete the parked row and emit the event again, one statement, so both or neither happen. */
    private static final String REEMIT = """
            WITH moved AS (DELETE FROM outbox_parked WHERE id = :id RETURNING *)
            SELECT %s::text FROM moved
            """.formatted(LogicalMessages.FROM_ROW);

    private final Jdbi jdbi;
    private final OutboxMode mode;
    private final WriteGate gate;

    public PostgresOutboxAdmin(Jdbi jdbi) {
        this(jdbi, OutboxMode.TABLE, WriteGate.OPEN);
    }

    public PostgresOutboxAdmin(Jdbi jdbi, OutboxMode mode, WriteGate gate) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.gate = Objects.requireNonNull(gate, "gate");
    }

    @Override
    public Status status() {
        return jdbi.inTransaction(handle -> handle.createQuery("""
                        SELECT (SELECT count(*) FROM outbox_event) AS backlog,
                               (SELECT EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)) * 1000000
                                FROM outbox_event)::bigint AS oldest_micros,
                               (SELECT count(*) FROM outbox_parked) AS parked
                        """)
                .map((rs, ctx) -> {
                    long micros = rs.getLong("oldest_micros");
                    return new Status(
                            rs.getLong("backlog"), Duration.ofNanos(Math.max(0, micros) * 1000), rs.getLong("parked"));
                })
                .one());
    }

    @Override
    public List<ParkedEvent> listParked(int limit, long afterId) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be 1..1000, was " + limit);
        }
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT id, event_id, aggregate_type, aggregate_id, event_type, topic,
                               octet_length(payload) AS payload_bytes, attempts, last_error, created_at, parked_at
                        FROM outbox_parked WHERE id > :afterId ORDER BY id LIMIT :limit
                        """)
                .bind("afterId", afterId)
                .bind("limit", limit)
                .map((rs, ctx) -> new ParkedEvent(
                        rs.getLong("id"),
                        rs.getObject("event_id", UUID.class),
                        rs.getString("aggregate_type"),
                        rs.getString("aggregate_id"),
                        rs.getString("event_type"),
                        rs.getString("topic"),
                        rs.getInt("payload_bytes"),
                        rs.getInt("attempts"),
                        rs.getString("last_error"),
                        rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                        rs.getObject("parked_at", OffsetDateTime.class).toInstant()))
                .list());
    }

    @Override
    public boolean retry(long id) {
        return jdbi.inTransaction(handle -> retry(handle, id));
    }

    @Override
    public boolean retry(Handle handle, long id) {
        return switch (mode) {
            case TABLE -> moveBack(handle, id);
            case LOGICAL_MESSAGE -> reemit(handle, id);
        };
    }

    private boolean reemit(Handle handle, long id) {
        AppendChecks.requireOpen(gate);
        return !handle.createQuery(REEMIT)
                .bind("id", id)
                .bind("prefix", OutboxMode.MESSAGE_PREFIX)
                .mapTo(String.class)
                .list()
                .isEmpty();
    }

    private boolean moveBack(Handle handle, long id) {
        Optional<String> key = handle.createQuery("SELECT aggregate_id FROM outbox_parked WHERE id = :id FOR UPDATE")
                .bind("id", id)
                .mapTo(String.class)
                .findOne();
        if (key.isEmpty()) {
            return false;
        }
        // A CDC relay parks with shard -1 (after a switch to TABLE mode): give the event its key's shard, by the
        // shard count fixed at the first migration.
        int shards = handle.createQuery("SELECT count(*) FROM outbox_shard")
                .mapTo(Integer.class)
                .one();
        int shard = new OutboxConfig(shards).shardOf(key.get());
        // outbox_event.id is GENERATED ALWAYS: OVERRIDING SYSTEM VALUE puts the event back at its old position,
        // which no other row can hold (ids are never reused), so the key's order is kept.
        return handle.createUpdate("""
                                WITH moved AS (DELETE FROM outbox_parked WHERE id = :id RETURNING *)
                                INSERT INTO outbox_event (id, event_id, shard, aggregate_type, aggregate_id, event_type,
                                                          topic, payload, headers, created_at, attempts, last_error)
                                OVERRIDING SYSTEM VALUE
                                SELECT id, event_id, CASE WHEN shard >= 0 THEN shard ELSE :shard END, aggregate_type,
                                       aggregate_id, event_type, topic, payload, headers, created_at, 0, NULL FROM moved
                                """).bind("id", id).bind("shard", shard).execute() == 1;
    }

    @Override
    public boolean discard(long id) {
        return jdbi.withHandle(handle -> discard(handle, id));
    }

    @Override
    public boolean discard(Handle handle, long id) {
        return handle.createUpdate("DELETE FROM outbox_parked WHERE id = :id")
                        .bind("id", id)
                        .execute()
                == 1;
    }

    @Override
    public Optional<DiscardedEvent> discardEvent(Handle handle, long id) {
        return handle.createQuery(
                        "DELETE FROM outbox_parked WHERE id = :id RETURNING event_id, aggregate_id, event_type, payload")
                .bind("id", id)
                .map((rs, ctx) -> new DiscardedEvent(
                        rs.getObject("event_id", java.util.UUID.class),
                        rs.getString("aggregate_id"),
                        rs.getString("event_type"),
                        rs.getString("payload")))
                .findOne();
    }
}
