package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.WriteGate;
import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/** {@link OutboxAdmin} over the outbox tables, retrying parked events the way its mode's relay reads them. */
public final class PostgresOutboxAdmin implements OutboxAdmin {
    private static final String STATUS = """
            SELECT (SELECT count(*) FROM {outbox_event}) AS backlog,
                   (SELECT EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)) * 1000000
                    FROM {outbox_event})::bigint AS oldest_micros,
                   (SELECT count(*) FROM {outbox_parked}) AS parked
            """;
    private static final String LIST_PARKED = """
            SELECT id, event_id, aggregate_type, aggregate_id, event_type, topic,
                   coalesce(octet_length(payload_bytes), octet_length(payload)) AS payload_size, attempts, last_error, created_at, parked_at
            FROM {outbox_parked} WHERE id > :afterId ORDER BY id LIMIT :limit
            """;
    /** CDC mode: delete the parked row and emit the event again, one statement, so both or neither happen. */
    private static final String REEMIT = """
            WITH moved AS (DELETE FROM {outbox_parked} WHERE id = :id RETURNING *)
            SELECT %s::text FROM moved
            """.formatted(LogicalMessages.FROM_ROW);

    private static final String PARKED_KEY = "SELECT aggregate_id FROM {outbox_parked} WHERE id = :id FOR UPDATE";
    private static final String SHARDS = "SELECT count(*) FROM {outbox_shard}";
    // outbox_event.id is GENERATED ALWAYS: OVERRIDING SYSTEM VALUE puts the event back at its old position, which no
    // other row can hold (ids are never reused), so the key's order is kept.
    private static final String MOVE_BACK = """
            WITH moved AS (DELETE FROM {outbox_parked} WHERE id = :id RETURNING *)
            INSERT INTO {outbox_event} (id, event_id, shard, aggregate_type, aggregate_id, event_type,
                                      topic, payload, payload_bytes, content_type, headers, created_at, attempts,
                                      last_error)
            OVERRIDING SYSTEM VALUE
            SELECT id, event_id, CASE WHEN shard >= 0 THEN shard ELSE :shard END, aggregate_type,
                   aggregate_id, event_type, topic, payload, payload_bytes, content_type, headers, created_at, 0, NULL
            FROM moved
            """;
    private static final String DISCARD = "DELETE FROM {outbox_parked} WHERE id = :id";
    private static final String DISCARD_EVENT = """
            DELETE FROM {outbox_parked} WHERE id = :id
            RETURNING event_id, aggregate_id, event_type, coalesce(payload_bytes, convert_to(payload, 'UTF8')) AS payload,
                      coalesce(content_type, 'application/json') AS content_type
            """;

    private final DataSource dataSource;
    private final OutboxMode mode;
    private final WriteGate gate;
    private final OutboxTables tables;
    private final NamedSql status;
    private final NamedSql listParked;
    private final NamedSql reemit;
    private final NamedSql parkedKey;
    private final NamedSql shards;
    private final NamedSql moveBack;
    private final NamedSql discard;
    private final NamedSql discardEvent;

    public PostgresOutboxAdmin(DataSource dataSource, OutboxMode mode, WriteGate gate, OutboxTables tables) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.tables = Objects.requireNonNull(tables, "tables");
        status = NamedSql.of(tables.render(STATUS));
        listParked = NamedSql.of(tables.render(LIST_PARKED));
        reemit = NamedSql.of(tables.render(REEMIT));
        parkedKey = NamedSql.of(tables.render(PARKED_KEY));
        shards = NamedSql.of(tables.render(SHARDS));
        moveBack = NamedSql.of(tables.render(MOVE_BACK));
        discard = NamedSql.of(tables.render(DISCARD));
        discardEvent = NamedSql.of(tables.render(DISCARD_EVENT));
    }

    @Override
    public Status status() {
        return Jdbc.inTransaction(
                dataSource,
                "outbox status",
                c -> status.on(c).one(rs -> {
                    long micros = rs.getLong("oldest_micros");
                    return new Status(
                            rs.getLong("backlog"), Duration.ofNanos(Math.max(0, micros) * 1000), rs.getLong("parked"));
                }));
    }

    @Override
    public List<ParkedEvent> listParked(int limit, long afterId) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be 1..1000, was " + limit);
        }
        return Jdbc.inTransaction(
                dataSource,
                "outbox parked list",
                c -> listParked
                        .on(c)
                        .bind("afterId", afterId)
                        .bind("limit", limit)
                        .list(rs -> new ParkedEvent(
                                rs.getLong("id"),
                                rs.getObject("event_id", UUID.class),
                                rs.getString("aggregate_type"),
                                rs.getString("aggregate_id"),
                                rs.getString("event_type"),
                                rs.getString("topic"),
                                rs.getInt("payload_size"),
                                rs.getInt("attempts"),
                                rs.getString("last_error"),
                                rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                                rs.getObject("parked_at", OffsetDateTime.class).toInstant())));
    }

    @Override
    public boolean retry(long id) {
        return Jdbc.inTransaction(dataSource, "outbox parked retry", c -> retry(c, id));
    }

    @Override
    public boolean retry(Connection connection, long id) {
        return Jdbc.on(connection, "outbox parked retry", c -> switch (mode) {
            case TABLE -> moveBack(c, id);
            case LOGICAL_MESSAGE -> reemit(c, id);
        });
    }

    private boolean reemit(Connection connection, long id) throws SQLException {
        AppendChecks.requireOpen(gate);
        return !reemit.on(connection)
                .bind("id", id)
                .bind("prefix", tables.messagePrefix())
                .list(rs -> rs.getString(1))
                .isEmpty();
    }

    private boolean moveBack(Connection connection, long id) throws SQLException {
        Optional<String> key = parkedKey.on(connection).bind("id", id).findOne(rs -> rs.getString(1));
        if (key.isEmpty()) {
            return false;
        }
        // A CDC relay parks with shard -1 (after a switch to TABLE mode): give the event its key's shard, by the
        // shard count fixed at the first migration.
        int count = shards.on(connection).one(rs -> rs.getInt(1));
        int shard = new OutboxConfig(count).shardOf(key.get());
        return moveBack.on(connection).bind("id", id).bind("shard", shard).execute() == 1;
    }

    @Override
    public boolean discard(long id) {
        return Jdbc.inTransaction(dataSource, "outbox parked discard", c -> discard(c, id));
    }

    @Override
    public boolean discard(Connection connection, long id) {
        return Jdbc.on(
                        connection,
                        "outbox parked discard",
                        c -> discard.on(c).bind("id", id).execute())
                == 1;
    }

    @Override
    public Optional<DiscardedEvent> discardEvent(Connection connection, long id) {
        return Jdbc.on(
                connection,
                "outbox parked discard",
                c -> discardEvent
                        .on(c)
                        .bind("id", id)
                        .findOne(rs -> new DiscardedEvent(
                                rs.getObject("event_id", UUID.class),
                                rs.getString("aggregate_id"),
                                rs.getString("event_type"),
                                rs.getBytes("payload"),
                                rs.getString("content_type"))));
    }
}
