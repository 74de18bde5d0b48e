package io.walletoutbox.relay.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import io.walletoutbox.relay.OutboxRecords;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.RelayConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The lease and read statements of {@link ShardPublisher}'s cycle: leasing shards ({@code outbox_shard} rows, {@code
 * FOR UPDATE SKIP LOCKED}, rotated in the same statement) together with their first batch, and the reads of the
 * further rounds, each of which deletes what the round before acknowledged. Runs inside the caller's transaction. The
 * statements are written with table tokens ({@code {outbox_event}}) and rendered once, with the configuration's
 * {@link io.walletoutbox.outbox.OutboxTables}.
 */
final class ShardLeaseReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {};

    /**
     * Under BLOCK, an event waits while an earlier event of its key and topic is parked or has been rejected
     * (attempts > 0). {@code e} is the candidate row; {@code :blockTopics} the topics with that policy.
     *
     * <p>The first two lines are the common case, nothing parked in a blocking topic and nothing rejected anywhere:
     * they name no column of {@code e}, so PostgreSQL evaluates them once per statement (an InitPlan, through the
     * parked key index and the partial failing-key index) and, when both hold, skips the two probes per row below,
     * which cost the drain about a third of PostgreSQL's CPU per event. Same snapshot, same answer: when nothing
     * is parked or rejected, no row is held.
     */
    private static final String NOT_BLOCKED = """
            ((NOT EXISTS (SELECT 1 FROM {outbox_parked} p0 WHERE p0.topic = ANY(:blockTopics))
              AND NOT EXISTS (SELECT 1 FROM {outbox_event} f0 WHERE f0.attempts > 0))
             OR NOT (e.topic = ANY(:blockTopics) AND (
                 EXISTS (SELECT 1 FROM {outbox_parked} p
                         WHERE p.topic = e.topic AND p.aggregate_id = e.aggregate_id AND p.id < e.id)
              OR EXISTS (SELECT 1 FROM {outbox_event} f
                         WHERE f.attempts > 0 AND f.shard = e.shard AND f.topic = e.topic
                           AND f.aggregate_id = e.aggregate_id AND f.id < e.id))))
            """;

    private final RelayConfig config;
    /** How often {@link #NOT_BLOCKED} names {@code :blockTopics} (each a positional parameter of the lease). */
    private static final int TOPIC_PARAMETERS = 2;

    private final String[] blockTopics;
    private final String leaseAndReadSql;
    private final NamedSql batchSql;
    private final NamedSql publishableSql;

    ShardLeaseReader(RelayConfig config) {
        this.config = config;
        this.blockTopics = config.parkingPolicies().entrySet().stream()
                .filter(e -> e.getValue() == ParkingPolicy.BLOCK)
                .map(Map.Entry::getKey)
                .sorted()
                .toArray(String[]::new);
        // Without blocking topics the predicate is left out, so the common case is a plain index probe.
        String filter = blockTopics.length == 0 ? "" : " AND " + NOT_BLOCKED;
        // Lease and rotate in one statement: the leased shards go to the back of the queue at once, so busy shards
        // cannot starve the others. The session settings ride along (set once per leased row, same values): a
        // stopped or partitioned relay must not keep its shards forever, so PostgreSQL ends a session that stays
        // idle in a transaction this long, which releases the lease (and rolls back its deletes). The commit need
        // not wait for its WAL flush: a delete lost in a database crash only means those events are published
        // again (at least once, as after any crash), never that one is lost.
        if (NOT_BLOCKED.split(":blockTopics", -1).length - 1 != TOPIC_PARAMETERS) {
            throw new IllegalStateException("NOT_BLOCKED names :blockTopics other than TOPIC_PARAMETERS times");
        }
        String positionalFilter = filter.replace(":blockTopics", "?");
        // The lease and the first read go to PostgreSQL together, as two statements in one message (one round
        // trip). They stay two statements: the read takes its snapshot only when the lease has run (PostgreSQL
        // takes a statement's snapshot when it reaches it, in READ COMMITTED), so it sees what a relay that held
        // one of these shards until a moment ago deleted; as a subquery of the lease it would not, and those
        // events would be published twice. The read finds the leased shards as the outbox_shard rows this
        // transaction wrote (their xmin), each gives an even share of the batch.
        var tables = config.tables();
        this.leaseAndReadSql = tables.render("""
                UPDATE {outbox_shard} SET last_published = clock_timestamp()
                WHERE shard IN (
                    SELECT s.shard FROM {outbox_shard} s
                    WHERE EXISTS (SELECT 1 FROM {outbox_event} e WHERE e.shard = s.shard%s)
                    ORDER BY s.last_published
                    LIMIT ?
                    FOR UPDATE SKIP LOCKED)
                RETURNING shard, set_config('idle_in_transaction_session_timeout', ?, true),
                          set_config('synchronous_commit', 'off', true);
                SELECT s.shard AS leased, b.* FROM (
                    SELECT shard, count(*) OVER () AS leases FROM {outbox_shard}
                    WHERE xmin = pg_current_xact_id()::xid) s
                CROSS JOIN LATERAL (
                    SELECT id, event_id, aggregate_type, aggregate_id, event_type, topic, payload, payload_bytes,
                           content_type, headers::text AS headers, created_at
                    FROM {outbox_event} e WHERE e.shard = s.shard%s
                    ORDER BY e.id LIMIT greatest(1, ? / s.leases)) b
                """.formatted(positionalFilter, positionalFilter));
        // Each shard's oldest events by its (shard, id) index, a fair share of the batch from each: one range scan
        // per shard that stops at its share, never a sort of every event of the leased shards. Keys live in one
        // shard, so each key's events come in outbox order. Within a lease the next batch is read while the
        // previous one is still in flight (its ids in :skip), and the statement deletes what the batch before it
        // acknowledged (:delete, skipped too: this statement's snapshot still sees those rows). Each read starts
        // at the shard's oldest event, never at a cursor, so an event that turned up behind the ones already read
        // (an operator's retry of a parked event keeps its old id) still goes out before the later events of its key.
        this.batchSql = NamedSql.of(tables.render("""
                WITH gone AS (DELETE FROM {outbox_event} WHERE id = ANY(CAST(:delete AS bigint[])))
                SELECT s.shard AS leased, b.* FROM unnest(CAST(:shards AS integer[])) AS s(shard)
                CROSS JOIN LATERAL (
                    SELECT id, event_id, aggregate_type, aggregate_id, event_type, topic, payload, payload_bytes,
                           content_type, headers::text AS headers, created_at
                    FROM {outbox_event} e
                    WHERE e.shard = s.shard AND e.id <> ALL(CAST(:skip AS bigint[]))%s
                    ORDER BY e.id LIMIT :perShard) b
                """.formatted(filter)));
        String where = blockTopics.length == 0 ? "" : " WHERE " + NOT_BLOCKED;
        this.publishableSql = NamedSql.of(tables.render("SELECT count(*) FROM {outbox_event} e" + where));
    }

    /** One read of a lease: the events, in the shards' order, and the shards that gave their whole share. */
    record Read(List<StoredEvent> events, List<Integer> full) {}

    /**
     * Leases up to {@link ShardPublisher#SHARDS_PER_CYCLE} shards into {@code shards} and reads their first batch,
     * in one round trip, on {@code connection} in its open transaction.
     */
    Read leaseAndRead(Connection connection, List<Integer> shards) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(leaseAndReadSql)) {
            java.sql.Array topics = blockTopics.length == 0 ? null : connection.createArrayOf("text", blockTopics);
            int p = 1;
            for (int i = 0; topics != null && i < TOPIC_PARAMETERS; i++) {
                statement.setArray(p++, topics);
            }
            statement.setInt(p++, ShardPublisher.SHARDS_PER_CYCLE);
            statement.setString(p++, config.stallTimeout().toMillis() + "ms");
            for (int i = 0; topics != null && i < TOPIC_PARAMETERS; i++) {
                statement.setArray(p++, topics);
            }
            statement.setInt(p, config.batchSize());
            statement.execute();
            try (ResultSet rs = statement.getResultSet()) {
                while (rs.next()) {
                    shards.add(rs.getInt("shard"));
                }
            }
            if (!statement.getMoreResults()) {
                throw new IllegalStateException("the lease's read returned no result set");
            }
            try (ResultSet rs = statement.getResultSet()) {
                return read(rs, shards, Math.max(1, config.batchSize() / Math.max(1, shards.size())));
            }
        }
    }

    /**
     * Reads up to {@code perShard} of each shard's oldest events, leaving out {@code skip}, and deletes {@code
     * delete} in the same statement.
     */
    Read read(Connection connection, List<Integer> shards, int perShard, Long[] skip, Long[] delete)
            throws SQLException {
        var perLeased = new java.util.HashMap<Integer, Integer>();
        List<StoredEvent> events = bind(batchSql.on(connection), connection)
                .bind("shards", connection.createArrayOf("integer", shards.toArray(Integer[]::new)))
                .bind("perShard", perShard)
                .bind("skip", connection.createArrayOf("bigint", skip))
                .bind("delete", connection.createArrayOf("bigint", delete))
                .list(rs -> {
                    perLeased.merge(rs.getInt("leased"), 1, Integer::sum);
                    return event(rs);
                });
        return new Read(events, full(shards, perLeased, perShard));
    }

    /**
     * Committed events a worker may send now: every row of the outbox except, under {@code BLOCK}, those held behind
     * a parked or rejected earlier event of their key (the same rule the reads apply). One statement on {@code
     * connection}, in its transaction if it has one.
     */
    long publishable(Connection connection) throws SQLException {
        return bind(publishableSql.on(connection), connection).one(rs -> rs.getLong(1));
    }

    /** {@code statement} with the blocking topics bound, when there are any (else the statement names none). */
    private NamedSql.Bound bind(NamedSql.Bound statement, Connection connection) throws SQLException {
        return blockTopics.length == 0
                ? statement
                : statement.bind("blockTopics", connection.createArrayOf("text", blockTopics));
    }

    /** Reads a batch's rows from {@code rs}. */
    private static Read read(ResultSet rs, List<Integer> shards, int perShard) throws SQLException {
        var perLeased = new java.util.HashMap<Integer, Integer>();
        var events = new ArrayList<StoredEvent>();
        while (rs.next()) {
            perLeased.merge(rs.getInt("leased"), 1, Integer::sum);
            events.add(event(rs));
        }
        return new Read(events, full(shards, perLeased, perShard));
    }

    private static List<Integer> full(List<Integer> shards, Map<Integer, Integer> perLeased, int perShard) {
        return shards.stream()
                .filter(shard -> perLeased.getOrDefault(shard, 0) >= perShard)
                .toList();
    }

    private static StoredEvent event(ResultSet rs) throws SQLException {
        // Text payloads (every JSON event) in payload, others in payload_bytes; content_type NULL is JSON.
        String text = rs.getString("payload");
        byte[] payload = text != null ? text.getBytes(StandardCharsets.UTF_8) : rs.getBytes("payload_bytes");
        String contentType = rs.getString("content_type");
        return new StoredEvent(
                rs.getLong("id"),
                rs.getObject("event_id", UUID.class),
                rs.getString("aggregate_type"),
                rs.getString("aggregate_id"),
                rs.getString("event_type"),
                rs.getString("topic"),
                payload,
                contentType != null ? contentType : OutboxRecords.JSON,
                parseHeaders(rs.getString("headers")),
                rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }

    private static Map<String, String> parseHeaders(String json) {
        if ("{}".equals(json)) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, HEADERS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
