package io.walletoutbox.relay.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMetrics;
import io.walletoutbox.relay.internal.BatchSender.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One publishing cycle, in one transaction: lease up to {@link #SHARDS_PER_CYCLE} shards ({@code outbox_shard} rows,
 * {@code FOR UPDATE SKIP LOCKED}, moved to the back of the rotation in the same statement) and read their oldest
 * batch (two statements, one round trip), send it, and while it is in flight read the next batch of the shards that
 * gave their whole share (the same statement deletes what the batch before acknowledged); after at most {@link
 * #MAX_ROUNDS} rounds, the first failure, or a round that found no more, delete what is left acknowledged, count
 * rejections (parking at {@link RelayConfig#maxAttempts()}), commit. A cycle of one batch takes three round trips to
 * PostgreSQL (lease and read, delete, commit); each further batch of a backlog one more. The lease is the row lock,
 * so it ends with the transaction, or when PostgreSQL ends a session left idle in it for {@link
 * RelayConfig#stallTimeout()}.
 */
public final class ShardPublisher {
    private static final Logger log = LoggerFactory.getLogger(ShardPublisher.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {};

    /**
     * Under BLOCK, an event waits while an earlier event of its key and topic is parked or has been rejected
     * (attempts > 0). {@code e} is the candidate row; {@code :blockTopics} the topics with that policy.
     */
    private static final String NOT_BLOCKED = """
            NOT (e.topic = ANY(:blockTopics) AND (
                 EXISTS (SELECT 1 FROM outbox_parked p
                         WHERE p.topic = e.topic AND p.aggregate_id = e.aggregate_id AND p.id < e.id)
              OR EXISTS (SELECT 1 FROM outbox_event f
                         WHERE f.attempts > 0 AND f.shard = e.shard AND f.topic = e.topic
                           AND f.aggregate_id = e.aggregate_id AND f.id < e.id)))
            """;

    /** Said in the log when Kafka refused the client itself: nothing parks, an operator must act. */
    public static final String DENIED_HINT =
            " (Kafka refused this client: check the relay's Kafka credentials and ACLs; events are kept, not parked)";

    private final Jdbi jdbi;
    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final RelayHooks hooks;
    private final BatchSender sender;
    private final TopicGuard guard;
    private final String[] blockTopics;
    /**
     * Shards one cycle leases at most. Several, so that one cycle carries the events of many keys (under BLOCK
     * their chains run side by side) and a few workers cover every busy shard; not all, so that other workers and
     * instances find shards to take.
     */
    static final int SHARDS_PER_CYCLE = 8;

    /**
     * Rounds (batches) one lease publishes at most before it commits and lets its shards go. Each round's read
     * starts at its shards' oldest rows, so it walks past the rows this transaction already deleted (still in the
     * index until it commits): the walk grows with the rounds, which keeps their number small.
     */
    static final int MAX_ROUNDS = 4;

    /** How long a lease goes on starting rounds: a quarter of the stall timeout, at most one second. */
    private final java.time.Duration roundsWithin;

    private final String leaseAndReadSql;
    private final String batchSql;

    public ShardPublisher(
            Jdbi jdbi, ProducerSlot producers, RelayConfig config, RelayMetrics metrics, RelayHooks hooks) {
        this.jdbi = jdbi;
        this.config = config;
        this.metrics = metrics;
        this.hooks = hooks;
        this.sender = new BatchSender(producers, config::policyOf, metrics, true);
        this.guard = new TopicGuard("relay " + config.instanceId(), config.topics(), metrics, log);
        this.roundsWithin = config.stallTimeout().dividedBy(4).compareTo(java.time.Duration.ofSeconds(1)) < 0
                ? config.stallTimeout().dividedBy(4)
                : java.time.Duration.ofSeconds(1);
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
        String positionalFilter = filter.replace(":blockTopics", "?");
        // The lease and the first read go to PostgreSQL together, as two statements in one message (one round
        // trip). They stay two statements: the read takes its snapshot only when the lease has run (PostgreSQL
        // takes a statement's snapshot when it reaches it, in READ COMMITTED), so it sees what a relay that held
        // one of these shards until a moment ago deleted; as a subquery of the lease it would not, and those
        // events would be published twice. The read finds the leased shards as the outbox_shard rows this
        // transaction wrote (their xmin), each gives an even share of the batch.
        this.leaseAndReadSql = """
                UPDATE outbox_shard SET last_published = clock_timestamp()
                WHERE shard IN (
                    SELECT s.shard FROM outbox_shard s
                    WHERE EXISTS (SELECT 1 FROM outbox_event e WHERE e.shard = s.shard%s)
                    ORDER BY s.last_published
                    LIMIT ?
                    FOR UPDATE SKIP LOCKED)
                RETURNING shard, set_config('idle_in_transaction_session_timeout', ?, true),
                          set_config('synchronous_commit', 'off', true);
                SELECT s.shard AS leased, b.* FROM (
                    SELECT shard, count(*) OVER () AS leases FROM outbox_shard
                    WHERE xmin = pg_current_xact_id()::xid) s
                CROSS JOIN LATERAL (
                    SELECT id, event_id, aggregate_type, aggregate_id, event_type, topic, payload,
                           headers::text AS headers, created_at
                    FROM outbox_event e WHERE e.shard = s.shard%s
                    ORDER BY e.id LIMIT greatest(1, ? / s.leases)) b
                """.formatted(positionalFilter, positionalFilter);
        // Each shard's oldest events by its (shard, id) index, a fair share of the batch from each: one range scan
        // per shard that stops at its share, never a sort of every event of the leased shards. Keys live in one
        // shard, so each key's events come in outbox order. Within a lease the next batch is read while the
        // previous one is still in flight (its ids in :skip), and the statement deletes what the batch before it
        // acknowledged (:delete, skipped too: this statement's snapshot still sees those rows). Each read starts
        // at the shard's oldest event, never at a cursor, so an event that turned up behind the ones already read
        // (an operator's retry of a parked event keeps its old id) still goes out before the later events of its key.
        this.batchSql = """
                WITH gone AS (DELETE FROM outbox_event WHERE id = ANY(CAST(:delete AS bigint[])))
                SELECT s.shard AS leased, b.* FROM unnest(CAST(:shards AS integer[])) AS s(shard)
                CROSS JOIN LATERAL (
                    SELECT id, event_id, aggregate_type, aggregate_id, event_type, topic, payload,
                           headers::text AS headers, created_at
                    FROM outbox_event e
                    WHERE e.shard = s.shard AND e.id <> ALL(CAST(:skip AS bigint[]))%s
                    ORDER BY e.id LIMIT :perShard) b
                """.formatted(filter);
    }

    /**
     * What one cycle did: events read, acknowledged, failed (retriable or rejected), not sent; {@code backlog}: a
     * shard gave its whole share of the batch, so more may be waiting.
     */
    public record Outcome(int claimed, int published, int failed, boolean backlog) {
        static final Outcome IDLE = new Outcome(0, 0, 0, false);
    }

    /** Runs one cycle. Returns {@link Outcome#IDLE} when no unleased shard has events to send. */
    public Outcome publishOnce() {
        return jdbi.inTransaction(handle -> {
            List<Integer> shards = new ArrayList<>();
            Read first = leaseAndRead(handle, shards);
            if (shards.isEmpty()) {
                return Outcome.IDLE;
            }
            metrics.shardsOwned(shards.size());
            try {
                return publishShards(handle, shards, first);
            } finally {
                metrics.shardsOwned(-shards.size());
            }
        });
    }

    /** Leases shards into {@code shards} and reads their first batch, in one round trip. */
    private Read leaseAndRead(Handle handle, List<Integer> shards) {
        try {
            Connection connection = handle.getConnection();
            try (PreparedStatement statement = connection.prepareStatement(leaseAndReadSql)) {
                java.sql.Array topics = blockTopics.length == 0 ? null : connection.createArrayOf("text", blockTopics);
                int p = 1;
                if (topics != null) {
                    statement.setArray(p++, topics);
                }
                statement.setInt(p++, SHARDS_PER_CYCLE);
                statement.setString(p++, config.stallTimeout().toMillis() + "ms");
                if (topics != null) {
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
        } catch (SQLException e) {
            throw new org.jdbi.v3.core.statement.UnableToExecuteStatementException(e, null);
        }
    }

    private <T extends org.jdbi.v3.core.statement.SqlStatement<T>> T bind(T statement) {
        return blockTopics.length == 0 ? statement : statement.bind("blockTopics", blockTopics);
    }

    /** One read of a lease: the events, in the shards' order, and the shards that gave their whole share. */
    private record Read(List<StoredEvent> events, List<Integer> full) {}

    private Read read(Handle handle, List<Integer> shards, int perShard, Long[] skip, Long[] delete) {
        var perLeased = new java.util.HashMap<Integer, Integer>();
        List<StoredEvent> events = bind(handle.createQuery(batchSql))
                .bind("shards", shards.toArray(Integer[]::new))
                .bind("perShard", perShard)
                .bind("skip", skip)
                .bind("delete", delete)
                .map((rs, ctx) -> {
                    perLeased.merge(rs.getInt("leased"), 1, Integer::sum);
                    return event(rs);
                })
                .list();
        return new Read(events, full(shards, perLeased, perShard));
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
        return new StoredEvent(
                rs.getLong("id"),
                rs.getObject("event_id", UUID.class),
                rs.getString("aggregate_type"),
                rs.getString("aggregate_id"),
                rs.getString("event_type"),
                rs.getString("topic"),
                rs.getString("payload"),
                parseHeaders(rs.getString("headers")),
                rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }

    /**
     * Publishes the leased shards' events in rounds of at most a batch, within the one transaction that holds the
     * lease: while a round's batch is in flight the next is read (shards that gave their whole share only, the
     * batch split among them), in the statement that also deletes what the round before acknowledged. A round is
     * sent only after every event of the round before was acknowledged, so a key's events never overtake a failed
     * one across rounds; the first round with a failure is the last. The lease ends after {@link #MAX_ROUNDS}
     * rounds or {@link #roundsWithin} so that a backlog does not keep its shards from other instances for long.
     */
    private Outcome publishShards(Handle handle, List<Integer> shards, Read first) {
        long deadline = System.nanoTime() + roundsWithin.toNanos();
        Read current = first;
        boolean backlog = !current.full().isEmpty();
        int claimed = 0;
        int failed = 0;
        List<Long> undeleted = new ArrayList<>();
        List<Long> ackedInLease = new ArrayList<>();
        for (int round = 1; !current.events().isEmpty(); round++) {
            metrics.batchClaimed(current.events().size());
            claimed += current.events().size();
            // Rows naming a topic that is not the relay's are parked here, in the lease's transaction, never sent.
            List<StoredEvent> batch = guard.parkForeignRows(handle, current.events());
            BatchSender.Pending pending = sender.start(batch);
            Read next = null;
            if (!current.full().isEmpty() && round < MAX_ROUNDS && System.nanoTime() < deadline) {
                // Overlaps the database with Kafka: read the next round while this one is in flight.
                int share = Math.max(1, config.batchSize() / current.full().size());
                Long[] inFlight = batch.stream().map(StoredEvent::position).toArray(Long[]::new);
                Long[] delete = undeleted.toArray(Long[]::new);
                Long[] skip = new Long[inFlight.length + delete.length];
                System.arraycopy(inFlight, 0, skip, 0, inFlight.length);
                System.arraycopy(delete, 0, skip, inFlight.length, delete.length);
                next = read(handle, current.full(), share, skip, delete);
                undeleted.clear();
            }
            List<Result> results = pending.await();
            int failedNow = 0;
            for (int i = 0; i < batch.size(); i++) {
                if (results.get(i) instanceof Result.Acked) {
                    undeleted.add(batch.get(i).position());
                    ackedInLease.add(batch.get(i).position());
                } else {
                    failedNow++;
                }
            }
            failed += failedNow;
            if (failedNow > 0) {
                warnIfOrderBroken(batch, results);
            }
            // Every acknowledged event of the lease is still in the outbox until the commit.
            hooks.afterAcks(shards.getFirst(), List.copyOf(ackedInLease));
            if (failedNow > 0) {
                recordFailures(handle, shards, batch, results);
                break;
            }
            if (next == null) {
                break;
            }
            backlog = !next.full().isEmpty();
            current = next;
        }
        if (!undeleted.isEmpty()) {
            handle.createUpdate("DELETE FROM outbox_event WHERE id = ANY(:ids)")
                    .bind("ids", undeleted.toArray(Long[]::new))
                    .execute();
        }
        return new Outcome(
                claimed,
                claimed - failed,
                failed,
                backlog || failed > 0 && !current.full().isEmpty());
    }

    /** Counts the rejections of a round (parking at the limit) and says once what failed and will be retried. */
    private void recordFailures(Handle handle, List<Integer> shards, List<StoredEvent> batch, List<Result> results) {
        int retriable = 0;
        boolean denied = false;
        String firstError = null;
        for (int i = 0; i < batch.size(); i++) {
            switch (results.get(i)) {
                case Result.Rejected r -> recordRejection(handle, batch.get(i), r.error());
                case Result.Retriable r -> {
                    retriable++;
                    denied |= r.denied();
                    firstError = firstError == null ? r.error() : firstError;
                }
                case Result.Acked a -> {}
                case Result.NotSent n -> {}
            }
        }
        if (retriable > 0) {
            // One line per cycle, not per event: while Kafka is away every cycle fails alike.
            log.warn(
                    "relay {}: {} of {} sends in shards {} failed and will be retried{}, first error: {}",
                    config.instanceId(),
                    retriable,
                    batch.size(),
                    shards,
                    denied ? DENIED_HINT : "",
                    firstError);
        }
    }

    /**
     * Under SKIP a batch is pipelined: if a send failed while a later event of the same key was acknowledged, that
     * key's order on the topic is broken (the failed one goes out later). Rare with an idempotent producer, and
     * expected for a rejected event under SKIP; worth an operator's attention when it was a timeout.
     */
    private void warnIfOrderBroken(List<StoredEvent> batch, List<Result> results) {
        var failedKeys = new java.util.HashMap<String, StoredEvent>();
        for (int i = 0; i < batch.size(); i++) {
            StoredEvent event = batch.get(i);
            String key = event.topic() + '\u0000' + event.aggregateId();
            if (results.get(i) instanceof Result.Retriable) {
                failedKeys.putIfAbsent(key, event);
            } else if (results.get(i) instanceof Result.Acked && failedKeys.containsKey(key)) {
                log.warn(
                        "relay {}: event {} of key {} was acknowledged after the send of earlier event {} failed;"
                                + " the earlier one will be published after it",
                        config.instanceId(),
                        event.eventId(),
                        event.aggregateId(),
                        failedKeys.remove(key).eventId());
            }
        }
    }

    /** Counts a rejection; at {@code maxAttempts} the event moves to {@code outbox_parked}. */
    private void recordRejection(Handle handle, StoredEvent event, String error) {
        int attempts = handle.createQuery(
                        "UPDATE outbox_event SET attempts = attempts + 1, last_error = :error WHERE id = :id RETURNING attempts")
                .bind("error", error)
                .bind("id", event.position())
                .mapTo(Integer.class)
                .one();
        if (attempts < config.maxAttempts()) {
            log.warn(
                    "relay {}: Kafka rejected event {} (attempt {} of {}): {}",
                    config.instanceId(),
                    event.eventId(),
                    attempts,
                    config.maxAttempts(),
                    error);
            return;
        }
        handle.createUpdate("""
                        WITH moved AS (DELETE FROM outbox_event WHERE id = :id RETURNING *)
                        INSERT INTO outbox_parked (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                                   payload, headers, created_at, attempts, last_error)
                        SELECT id, event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload, headers,
                               created_at, attempts, last_error FROM moved
                        """).bind("id", event.position()).execute();
        metrics.parked();
        log.error(
                "relay {}: parked event {} of key {} on topic {} after {} attempts: {}",
                config.instanceId(),
                event.eventId(),
                event.aggregateId(),
                event.topic(),
                attempts,
                error);
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
