package io.walletoutbox.relay.internal;

import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMetrics;
import io.walletoutbox.relay.internal.BatchSender.Result;
import io.walletoutbox.relay.internal.ShardLeaseReader.Read;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
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
 *
 * <p>The lease and read statements are {@link ShardLeaseReader}'s; counting, parking and reporting failed sends is
 * {@link FailureRecorder}'s.
 */
public final class ShardPublisher {
    private static final Logger log = LoggerFactory.getLogger(ShardPublisher.class);

    /** Said in the log when Kafka refused the client itself: nothing parks, an operator must act. */
    public static final String DENIED_HINT =
            " (Kafka refused this client: check the relay's Kafka credentials and ACLs; events are kept, not parked)";

    private final DataSource dataSource;
    private final RelayConfig config;
    private final OutboxTables tables;
    private final NamedSql deleteAcked;
    private final RelayMetrics metrics;
    private final RelayHooks hooks;
    private final BatchSender sender;
    private final TopicGuard guard;
    private final ShardLeaseReader reader;
    private final FailureRecorder failures;

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

    public ShardPublisher(
            DataSource dataSource, ProducerSlot producers, RelayConfig config, RelayMetrics metrics, RelayHooks hooks) {
        this.dataSource = dataSource;
        this.config = config;
        this.tables = config.tables();
        this.deleteAcked = NamedSql.of(tables.render("DELETE FROM {outbox_event} WHERE id = ANY(:ids)"));
        this.metrics = metrics;
        this.hooks = hooks;
        this.sender = new BatchSender(producers, config::policyOf, metrics, true, config.recordMapping());
        this.guard = new TopicGuard("relay " + config.instanceId(), config.topics(), metrics, log);
        this.roundsWithin = config.stallTimeout().dividedBy(4).compareTo(java.time.Duration.ofSeconds(1)) < 0
                ? config.stallTimeout().dividedBy(4)
                : java.time.Duration.ofSeconds(1);
        this.reader = new ShardLeaseReader(config);
        this.failures = new FailureRecorder(config, metrics);
    }

    /**
     * What one cycle did: events read, acknowledged, failed (retriable or rejected), not sent; {@code backlog}: a
     * shard gave its whole share of the batch, so more may be waiting.
     */
    public record Outcome(int claimed, int published, int failed, boolean backlog) {
        static final Outcome IDLE = new Outcome(0, 0, 0, false);
    }

    /**
     * Runs one cycle. Returns {@link Outcome#IDLE} when no unleased shard has events to send. A cycle that carried
     * events is a {@code relay cycle} span when tracing is on ({@link Traces#cycle}), ended after the commit.
     */
    public Outcome publishOnce() {
        Traces.Cycle cycle = Traces.cycle("relay cycle", "polling");
        Outcome outcome;
        try {
            outcome =
                    Jdbc.inTransaction(dataSource, "relay " + config.instanceId() + " publishing cycle", connection -> {
                        List<Integer> shards = new ArrayList<>();
                        Read first = reader.leaseAndRead(connection, shards);
                        if (shards.isEmpty()) {
                            return Outcome.IDLE;
                        }
                        metrics.shardsOwned(shards.size());
                        try {
                            return publishShards(connection, shards, first, cycle);
                        } finally {
                            metrics.shardsOwned(-shards.size());
                        }
                    });
        } catch (RuntimeException | Error e) {
            cycle.end(-1, 0, e);
            throw e;
        }
        cycle.end(outcome.claimed(), outcome.failed(), null);
        return outcome;
    }

    /**
     * Publishes the leased shards' events in rounds of at most a batch, within the one transaction that holds the
     * lease: while a round's batch is in flight the next is read (shards that gave their whole share only, the
     * batch split among them), in the statement that also deletes what the round before acknowledged. A round is
     * sent only after every event of the round before was acknowledged, so a key's events never overtake a failed
     * one across rounds; the first round with a failure is the last. The lease ends after {@link #MAX_ROUNDS}
     * rounds or {@link #roundsWithin} so that a backlog does not keep its shards from other instances for long.
     */
    private Outcome publishShards(Connection connection, List<Integer> shards, Read first, Traces.Cycle cycle)
            throws SQLException {
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
            List<StoredEvent> batch = guard.parkForeignRows(connection, tables, current.events());
            cycle.carried(batch);
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
                next = reader.read(connection, current.full(), share, skip, delete);
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
                failures.warnIfOrderBroken(batch, results);
            }
            // Every acknowledged event of the lease is still in the outbox until the commit.
            hooks.afterAcks(shards.getFirst(), List.copyOf(ackedInLease));
            if (failedNow > 0) {
                failures.recordFailures(connection, shards, batch, results);
                break;
            }
            if (next == null) {
                break;
            }
            backlog = !next.full().isEmpty();
            current = next;
        }
        if (!undeleted.isEmpty()) {
            deleteAcked
                    .on(connection)
                    .bind("ids", connection.createArrayOf("bigint", undeleted.toArray(Long[]::new)))
                    .execute();
        }
        return new Outcome(
                claimed,
                claimed - failed,
                failed,
                backlog || failed > 0 && !current.full().isEmpty());
    }
}
