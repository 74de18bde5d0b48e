package io.walletoutbox.relay.cdc;

import io.walletoutbox.relay.Relay;
import io.walletoutbox.relay.RelayMetrics;
import io.walletoutbox.relay.cdc.internal.CdcRelayImpl;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;

/**
 * The CDC relay: Debezium's embedded PostgreSQL connector reads the outbox's logical decoding messages (written by
 * {@code OutboxWriter} in {@code OutboxMode.LOGICAL_MESSAGE}) from a replication slot, in commit order, and the
 * relay publishes each as the record {@code OutboxRecords.toRecord} makes, byte for byte the polling relay's.
 *
 * <p><b>At least once.</b> A batch of change events is sent, every ack awaited, and only then are its offsets
 * committed (to {@link CdcConfig#offsetsTable()}, in the same database) and the slot's confirmed position moved
 * past it. A crash in between replays the events after the last committed offset (at most one batch, {@link
 * CdcConfig#maxBatchSize()}); consumers de-duplicate by {@code ce_id}.
 *
 * <p><b>Order.</b> Messages are decoded in commit order, and one reader holds a slot, so one key's events are sent
 * in commit order by one producer (idempotent, so retries keep a partition's order). A send that fails is sent
 * again with everything after it in the batch. Further instances with the same slot wait as standbys: starting the
 * engine fails while the slot is active, and they try again after a back-off.
 *
 * <p><b>Rejected records.</b> A record Kafka rejects for good is retried up to {@link CdcConfig#maxAttempts()} and
 * then parked in {@code outbox_parked} of {@link CdcConfig#tables()} (shard {@code -1}, its position is its WAL position), so later events keep
 * flowing, as under the polling relay's {@code SKIP} policy. {@code OutboxAdmin.create(dataSource,
 * OutboxMode.LOGICAL_MESSAGE)} retries one by emitting it again into the WAL, where this relay reads it. Kafka
 * refusing the client (authentication, ACLs) is not a rejection: it is retried with back-off, never parked.
 *
 * <p><b>Only its topics, only what the service wrote.</b> A message with the outbox's prefix is read as an event,
 * whoever emitted it; so the relay publishes to {@link CdcConfig#topics()} only, and parks one naming any other
 * topic at once, never sending it ({@code RelayTopics}, counted in {@code relay.foreign.topic}). Who may emit is
 * the database's to restrict: the outbox's migration takes EXECUTE on {@code pg_logical_emit_message} from PUBLIC
 * where it may, and {@link Relay#start()} logs one warning, with the statements to run, while PUBLIC still has it.
 *
 * <p><b>Health.</b> {@link Relay#isRunning()} turns false only when the engine's supervisor stopped on an {@link
 * Error}; a standby waiting for the slot, or a relay waiting for Kafka, runs. The slot's own health (missing,
 * invalidated) is {@link CdcSlots#status}, cached for the writers by {@link CdcSlotMonitor}.
 *
 * <p><b>Failover.</b> On PostgreSQL 17 and later the slot is a failover slot ({@link CdcSlots#ensureSlot}): a
 * standby with {@code sync_replication_slots=on} keeps a copy, and a primary whose {@code synchronized_standby_slots}
 * names that standby's physical slot never lets the relay read past what the standby has. With a multi-host {@link
 * CdcConfig#jdbcUrl()}, each start of the engine (after the primary is lost, the engine stops and is started again
 * after a back-off of up to {@link CdcConfig#maxRetryBackoff()}) connects to whichever host is the primary then, so
 * the relay resumes on the promoted standby from its last committed offset: nothing is lost, and what is replayed
 * is at most the batch that was in flight, as after any crash. Older servers have no failover slots: a promotion
 * loses the slot (docs/operations.md, PostgreSQL failover).
 *
 * <p><b>WAL hygiene.</b> The slot keeps WAL from its confirmed position on. The relay confirms after every batch,
 * and every {@link CdcConfig#heartbeatInterval()} writes a non-transactional message of its own and confirms it,
 * so an idle outbox lets the server recycle WAL. {@link CdcMeterBinder} reports what the slot retains.
 */
public final class CdcRelay {
    private CdcRelay() {}

    /**
     * A CDC relay, not started: {@link Relay#start()} creates the publication when absent, and Debezium creates the
     * slot when absent. {@link Relay#wakeUp()} does nothing (the WAL stream needs no wake-up); {@link Relay#close()}
     * stops the engine and closes {@code producer}; it keeps the slot, so a restart resumes where it stopped (see
     * {@link CdcSlots#drop} to leave CDC).
     *
     * @param dataSource the outbox database, for the publication and the slot at start and for parking rejected
     *     events, each in a statement of its own on one of its connections
     * @param producer made by {@code KafkaProducers}: idempotent, {@code acks=all}
     * @param config the relay's configuration
     * @param metrics where the relay reports what it does
     * @return the relay, not started
     * @throws IllegalArgumentException when {@code config} names no topics ({@link CdcConfigBuilder#topics})
     */
    public static Relay create(
            DataSource dataSource, Producer<String, byte[]> producer, CdcConfig config, RelayMetrics metrics) {
        return new CdcRelayImpl(dataSource, producer, config, metrics);
    }
}
