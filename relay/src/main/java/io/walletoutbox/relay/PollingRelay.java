package io.walletoutbox.relay;

import io.walletoutbox.relay.internal.OutboxVacuum;
import io.walletoutbox.relay.internal.PollingRelayImpl;
import io.walletoutbox.relay.internal.RelayHooks;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;

/**
 * The polling relay. Each worker repeatedly leases up to 8 shards that have events ({@code UPDATE outbox_shard …
 * WHERE shard IN (SELECT … FOR UPDATE SKIP LOCKED)}, which also moves them to the back of the rotation), reads up to
 * a batch of those shards' oldest events, sends them all, waits for every ack, deletes the acknowledged rows in one
 * statement and commits: four round trips to PostgreSQL per cycle.
 *
 * <p><b>Per-key order across instances.</b> Keys hash to shards ({@code OutboxConfig.shardOf}); the shard row's
 * lock is the lease and lives exactly as long as the publishing transaction, so one shard (and hence one key) is
 * published by one worker of one instance at a time, oldest position first, while other shards proceed in
 * parallel in this and other instances. Plain row-level {@code SKIP LOCKED} on the events would not do: two
 * instances could each hold one event of the same key. Leases are never written down, so there is nothing to
 * expire or fence: a crashed instance's connection closes and its transaction rolls back at once; a stalled or
 * partitioned one is ended by PostgreSQL after {@link RelayConfig#stallTimeout()} ({@code
 * idle_in_transaction_session_timeout}, set for each publishing transaction), and another instance takes the
 * shard over. Either way its unacknowledged or undeleted rows are published again (at least once; consumers
 * de-duplicate by {@code ce_id}).
 *
 * <p><b>Late commits.</b> The relay never polls by "last id seen": every cycle reads whatever the shard holds,
 * so an event whose transaction commits after a higher id's is published when it becomes visible. One key's
 * events get increasing positions in commit order because the writer appends them after locking the aggregate's
 * row (see {@code OutboxWriter}).
 *
 * <p><b>Latency.</b> A worker that found events goes again at once (a full batch also wakes the idle workers);
 * an idle worker waits from {@link RelayConfig#minPollInterval()} doubling up to {@link
 * RelayConfig#maxPollInterval()}. In the writer's JVM, {@link Relay#wakeUp()} (wired as the writer's after-commit
 * hook) ends that wait at once. Writers in other processes are noticed by the sequence probe ({@link
 * RelayConfig#probeInterval()}, by default {@link RelayConfig#DEFAULT_PROBE_INTERVAL}, 1 ms): one {@code SELECT
 * last_value} of the outbox's id sequence per interval, which moves at the writer's insert without any lock. LISTEN/NOTIFY is deliberately not
 * used: {@code NOTIFY} takes a database-wide lock when its transaction commits, which serialises every writing
 * transaction under load.
 *
 * <p><b>Failures.</b> A failed send leaves its row in the outbox and the worker backs off (exponential, jittered,
 * {@link RelayConfig#retryBackoff()} to {@link RelayConfig#maxRetryBackoff()}); while Kafka is away the outbox
 * is the buffer and writers carry on. A record Kafka rejects for good is parked after {@link
 * RelayConfig#maxAttempts()} rejections; see {@link ParkingPolicy} for what happens to the key's later events and
 * {@code OutboxAdmin} to retry or discard it. Kafka refusing the client itself (authentication, ACLs: {@code
 * BatchSender.isDenied}) is not a rejection: those events stay and are retried until an operator fixes access.
 * {@link Relay#isRunning()} turns false when a worker died (on an {@link Error}), not while Kafka is away. Under {@link ParkingPolicy#SKIP} one batch is pipelined. A send
 * the producer fails at once (no metadata: Kafka away) ends the batch there, so no later event overtakes it. What
 * remains is a send timing out in flight while a later event of the same key in the batch is acknowledged (a
 * narrow race the idempotent producer makes unlikely, not impossible): the timed-out event is then published
 * after it, and the relay logs a warning. Topics that need strict order even then use {@link
 * ParkingPolicy#BLOCK}.
 *
 * <p><b>A small table.</b> Rows are deleted as soon as they are published, in one statement per batch. The relay
 * vacuums the table itself once it holds 1000 dead rows (checked every second, one instance at a time: {@link
 * OutboxVacuum}), because autovacuum visits a database only once per {@code autovacuum_naptime}; the outbox
 * migration also sets an aggressive autovacuum on the table (threshold 1000 dead rows, no cost delay). So the
 * table and its (shard, id) index stay small and the range scans short.
 */
public final class PollingRelay {
    private PollingRelay() {}

    /**
     * A relay over the outbox in {@code dataSource} ({@link RelayConfig#tables()}) publishing with {@code producer}
     * (which it closes on close). Not started: call {@link Relay#start()}. It publishes to {@link
     * RelayConfig#topics()} only; a row naming another topic is parked at once, never sent ({@link RelayTopics}).
     * Each publishing cycle is a transaction of its own on a connection of {@code dataSource} (auto-commit is put back
     * after it); the vacuum keeper and the sequence probe use theirs in auto-commit mode.
     *
     * @param dataSource the outbox database, the caller's pool (the relay never closes it); it needs at least {@link
     *     RelayConfig#workers()} connections, each worker holding one for a whole publishing cycle, plus one for the
     *     sequence probe if there is one and one for the vacuum keeper's checks
     * @param producer made by {@link KafkaProducers#create} or with {@link KafkaProducers#settings}; its {@code
     *     delivery.timeout.ms} must be shorter than {@link RelayConfig#stallTimeout()}
     * @param config the relay's configuration
     * @param metrics where the relay reports what it does; {@link RelayMetrics#NONE} to report nothing
     * @return the relay, not started
     * @throws IllegalArgumentException when {@code config} names no topics
     */
    public static Relay create(
            DataSource dataSource, Producer<String, byte[]> producer, RelayConfig config, RelayMetrics metrics) {
        return withVacuum(
                PollingRelayImpl.create(dataSource, producer, config, metrics, RelayHooks.NONE), dataSource, config);
    }

    /**
     * The publishing cycle of a polling relay over the outbox in {@code dataSource}, to run on demand ({@link
     * PublishingCycle#runOnce()}) instead of in background workers: what a test kit's {@code drain()} repeats until
     * nothing is left. It starts no thread and no vacuum keeper; closing it closes {@code producer}.
     *
     * @param dataSource the outbox database; each cycle holds one connection while it runs (its own transaction)
     * @param producer made by {@link KafkaProducers#create}, or a test double; used as a single (fixed) producer, so
     *     a {@link ParkingPolicy#BLOCK} key's events go one round trip each
     * @param config the relay's configuration (topics, batch size, {@link RelayConfig#maxAttempts()}, parking
     *     policies, stall timeout); the polling and back-off settings do not apply
     * @param metrics where the cycle reports what it does; {@link RelayMetrics#NONE} to report nothing
     * @return the cycle; closing it closes {@code producer}
     * @throws IllegalArgumentException when {@code config} names no topics
     */
    public static PublishingCycle cycle(
            DataSource dataSource, Producer<String, byte[]> producer, RelayConfig config, RelayMetrics metrics) {
        return PollingRelayImpl.cycle(dataSource, producer, config, metrics);
    }

    /** {@code relay} with the outbox's vacuum keeper ({@code OutboxVacuum}) started and closed along with it. */
    private static Relay withVacuum(Relay relay, DataSource dataSource, RelayConfig config) {
        OutboxVacuum vacuum = new OutboxVacuum(dataSource, config.instanceId(), config.tables());
        return new Relay() {
            @Override
            public void start() {
                relay.start();
                vacuum.start();
            }

            @Override
            public void wakeUp() {
                relay.wakeUp();
            }

            @Override
            public boolean isRunning() {
                return relay.isRunning();
            }

            @Override
            public void close() {
                vacuum.close();
                relay.close();
            }
        };
    }

    /**
     * As {@link #create(DataSource, Producer, RelayConfig, RelayMetrics)}, with a factory of producers (each made by
     * {@link KafkaProducers#create} or with {@link KafkaProducers#settings}; the first is made now, the relay closes
     * the last). Prefer this: the relay can then pipeline the events of one key of a {@link ParkingPolicy#BLOCK}
     * topic instead of waiting for each ack before sending the next. When one of them fails while later ones of the
     * key are still queued, it force-closes that producer from the failure's callback, so none of them is sent
     * after the failed one, and carries on with a new producer from {@code producers}. With a single producer the
     * relay cannot do that and sends a blocking key's events one round trip each.
     *
     * @param dataSource the outbox database, the caller's pool (the relay never closes it); connections as for {@link
     *     #create(DataSource, Producer, RelayConfig, RelayMetrics)}
     * @param producers makes a producer now and a new one after each force-close
     * @param config the relay's configuration
     * @param metrics where the relay reports what it does; {@link RelayMetrics#NONE} to report nothing
     * @return the relay, not started
     * @throws IllegalArgumentException when {@code config} names no topics
     */
    public static Relay create(
            DataSource dataSource,
            Supplier<? extends Producer<String, byte[]>> producers,
            RelayConfig config,
            RelayMetrics metrics) {
        return withVacuum(
                PollingRelayImpl.create(dataSource, producers, config, metrics, RelayHooks.NONE), dataSource, config);
    }
}
