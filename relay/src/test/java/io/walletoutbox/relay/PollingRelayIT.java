package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.relay.internal.PollingRelayImpl;
import io.walletoutbox.relay.internal.RelayHooks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * The relay contract for the polling relay, plus what only it has: shard leases that expire, in-process wake-up,
 * a crash between the acks and the delete (a seam inside its publishing cycle), and parking policies with retry
 * to the original outbox position.
 */
class PollingRelayIT extends RelayContractIT {

    @Override
    protected Relay newRelay(
            DataSource dataSource,
            java.util.function.Supplier<Producer<String, byte[]>> producers,
            RelayConfig config,
            RelayMetrics metrics,
            RelayHooks hooks) {
        // The renewable form, as the service should use it: a blocking key's events pipelined.
        return PollingRelayImpl.create(dataSource, producers, config, metrics, hooks);
    }

    @Test
    void stalledRelayLosesItsShardToAnotherInstanceAfterTheStallTimeout() throws Exception {
        String topic = fixture.infra.newTopic("polling-stall", 1);
        var stalled = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var once = new AtomicBoolean();
        RelayHooks stall = new RelayHooks() {
            @Override
            public void afterAcks(int shard, List<Long> ackedPositions) {
                if (once.compareAndSet(false, true)) {
                    stalled.countDown();
                    try {
                        release.await(); // the transaction stays open and idle, holding the shard's lock
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        var stallConfig = withStallTimeout(config("relay-stalled").topics(topic).build(), Duration.ofSeconds(2));
        try {
            start(stallConfig, fixture.infra.bootstrapServers(), 1_000, RelayMetrics.NONE, stall);
            var events = new ArrayList<OutboxEvent>();
            for (int i = 0; i < 10; i++) {
                events.add(event(topic, "one-key", i));
            }
            fixture.append(events);
            await(() -> stalled.getCount() == 0, LONG, "the first relay to stall after its acks");
            start(config("relay-healthy").topics(topic).build());
            await(() -> fixture.backlog() == 0, LONG, "the healthy relay to take the shard over");
            try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
                var records = reader.awaitCount(20, LONG);
                assertEquals(20, reader.endOffsetTotal(), "the stalled batch once from each relay");
                var counts = new HashMap<UUID, Integer>();
                ids(records).forEach(id -> counts.merge(id, 1, Integer::sum));
                events.forEach(e -> assertEquals(2, counts.get(e.id())));
                // Per key order within each publication: the second run repeats the first in the same order.
                assertEquals(ids(records.subList(0, 10)), ids(records.subList(10, 20)));
            }
        } finally {
            release.countDown();
        }
    }

    @Test
    void eventOfAWriterThatCannotWakeTheRelayIsSeenByTheSequenceProbe() {
        String topic = fixture.infra.newTopic("polling-probe", 1);
        // Idle polling once a minute and no wake-up from the writer (as a writer in another process): only the
        // probe of the id sequence can bring the second event out within the deadline.
        var slow = slowPolling("relay-probe")
                .probeInterval(Duration.ofMillis(1))
                .topics(topic)
                .build();
        OutboxEvent first = event(topic, "k", 0);
        fixture.append(List.of(first));
        start(slow);
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            reader.awaitCount(1, Duration.ofSeconds(30));
            await(() -> fixture.backlog() == 0, Duration.ofSeconds(30), "the first event deleted");
            OutboxEvent second = event(topic, "k", 1);
            fixture.append(List.of(second));
            var records = reader.awaitCount(2, Duration.ofSeconds(20));
            assertEquals(List.of(first.id(), second.id()), ids(records));
        }
    }

    @Test
    void committedEventIsPublishedAtOnceWhenTheWriterWakesTheRelay() {
        String topic = fixture.infra.newTopic("polling-wake", 1);
        // Idle polling once a minute: only the wake-up can bring the second event out within the deadline.
        var slow = slowPolling("relay-wake").topics(topic).build();
        OutboxEvent first = event(topic, "k", 0);
        fixture.append(List.of(first));
        Relay relay = start(slow);
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            reader.awaitCount(1, Duration.ofSeconds(30));
            await(() -> fixture.backlog() == 0, Duration.ofSeconds(30), "the first event deleted");
            fixture.afterCommit(relay::wakeUp);
            OutboxEvent second = event(topic, "k", 1);
            fixture.append(List.of(second));
            var records = reader.awaitCount(2, Duration.ofSeconds(20));
            assertEquals(List.of(first.id(), second.id()), ids(records));
        }
    }

    @Test
    void relayCrashAfterAckPublishesTheBatchAgainAndLosesNothing() {
        String topic = fixture.infra.newTopic("contract-crash", 4);
        var crashed = new CopyOnWriteArrayList<Long>();
        var once = new AtomicBoolean();
        RelayHooks crashOnce = new RelayHooks() {
            @Override
            public void afterAcks(int shard, List<Long> ackedPositions) {
                if (!ackedPositions.isEmpty() && once.compareAndSet(false, true)) {
                    crashed.addAll(ackedPositions);
                    throw new IllegalStateException("simulated crash between ack and delete");
                }
            }
        };
        start(
                config("relay-crash").topics(topic).build(),
                fixture.infra.bootstrapServers(),
                20_000,
                RelayMetrics.NONE,
                crashOnce);
        var events = new ArrayList<OutboxEvent>();
        for (int i = 0; i < 40; i++) {
            events.add(event(topic, "k" + (i % 4), i / 4));
        }
        fixture.append(events);
        await(() -> fixture.backlog() == 0, LONG, "an empty outbox");
        assertFalse(crashed.isEmpty(), "the hook crashed one cycle");
        int expected = events.size() + crashed.size();
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            var records = reader.awaitCount(expected, LONG);
            assertEquals(expected, reader.endOffsetTotal(), "each event of the crashed batch exactly twice");
            var all = new HashSet<UUID>();
            events.forEach(e -> all.add(e.id()));
            assertEquals(all, new HashSet<>(ids(records)), "nothing lost");
            assertFirstDeliveriesInKeyOrder(records);
        }
    }

    @Test
    void rejectedEventIsParkedAndUnderSkipLaterEventsOfItsKeyFlow() throws Exception {
        String topic = smallTopic("contract-skip", 1024);
        var registry =
                startMetered(config("relay-skip").topics(topic).build(), fixture.infra.bootstrapServers(), 20_000);
        OutboxEvent e1 = event(topic, "k", 1);
        OutboxEvent e2 = tooLarge(topic, "k", 2);
        OutboxEvent e3 = event(topic, "k", 3);
        fixture.append(List.of(e1, e2, e3));
        long position = fixture.positionOf(e2);
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            var records = reader.awaitCount(2, LONG);
            assertEquals(List.of(e1.id(), e3.id()), ids(records), "the key's later event was not held back");
        }
        await(() -> fixture.admin.status().parked() == 1 && fixture.backlog() == 0, LONG, "e2 parked");
        var parked = fixture.admin.listParked(10, 0);
        assertEquals(1, parked.size());
        var p = parked.getFirst();
        assertEquals(position, p.id(), "parked under its outbox position");
        assertEquals(e2.id(), p.eventId());
        assertEquals(3, p.attempts());
        assertTrue(p.lastError().contains("RecordTooLarge"), p.lastError());
        assertTrue(p.payloadBytes() > 8000);
        assertEquals(List.of(), fixture.admin.listParked(10, p.id()), "next page");
        assertEquals(1.0, registry.get("relay.parked").counter().count());
        assertEquals(
                3.0,
                registry.get("relay.failed").tag("kind", "permanent").counter().count());
        assertEquals(1.0, registry.get("outbox.parked").gauge().value());

        assertFalse(fixture.admin.retry(position + 1000), "unknown id");
        assertFalse(fixture.admin.discard(position + 1000), "unknown id");
        assertTrue(fixture.admin.retry(position));
        assertEquals(position, fixture.positionOf(e2), "back at its old position");
        await(() -> registry.get("relay.parked").counter().count() == 2.0, LONG, "e2 parked again");
        await(() -> fixture.admin.status().parked() == 1, LONG, "e2 parked again");
        assertTrue(fixture.admin.discard(position));
        assertFalse(fixture.admin.discard(position), "gone");
        var status = fixture.admin.status();
        assertEquals(new OutboxAdmin.Status(0, Duration.ZERO, 0), status);
    }

    @Test
    void underBlockLaterEventsOfTheKeyWaitUntilTheParkedOneIsRetried() throws Exception {
        String topic = smallTopic("contract-block", 1024);
        String markers = fixture.infra.newTopic("contract-marker", 1);
        start(config("relay-block")
                .parkingPolicy(topic, ParkingPolicy.BLOCK)
                .topics(topic, markers)
                .build());
        OutboxEvent b1 = event(topic, "k", 1);
        OutboxEvent b2 = tooLarge(topic, "k", 2);
        OutboxEvent b3 = event(topic, "k", 3);
        OutboxEvent other = event(topic, "other", 1);
        fixture.append(List.of(b1, b2, b3, other));
        long position = fixture.positionOf(b2);
        await(() -> fixture.admin.status().parked() == 1, LONG, "b2 parked");
        // A later event of the same key (so the same shard) on a SKIP topic: once it is out, the relay has read
        // that shard after the parking, and b3 was still held back.
        OutboxEvent marker = event(markers, "k", 4);
        fixture.append(List.of(marker));
        try (var markerReader = new TopicReader(fixture.infra.bootstrapServers(), markers)) {
            markerReader.awaitCount(1, LONG);
        }
        assertEquals(1, fixture.backlog(), "b3 waits in the outbox");
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            var records = reader.awaitCount(2, LONG);
            assertEquals(Set.of(b1.id(), other.id()), new HashSet<>(ids(records)), "other keys flow, b3 waits");
            assertEquals(2, reader.endOffsetTotal());

            try (var admin = Admin.create(Map.of("bootstrap.servers", fixture.infra.bootstrapServers()))) {
                var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                admin.incrementalAlterConfigs(Map.of(
                                resource,
                                List.of(new AlterConfigOp(
                                        new ConfigEntry("max.message.bytes", "1048576"), AlterConfigOp.OpType.SET))))
                        .all()
                        .get();
                await(() -> "1048576".equals(maxMessageBytes(admin, resource)), LONG, "the topic to take b2");
            }
            assertTrue(fixture.admin.retry(position));
            var all = reader.awaitCount(4, LONG);
            var keyK = all.stream().filter(r -> r.key().equals("k")).toList();
            assertEquals(List.of(b1.id(), b2.id(), b3.id()), ids(keyK), "the key's order kept");
        }
        await(() -> fixture.backlog() == 0, LONG, "an empty outbox");
        assertEquals(0, fixture.admin.status().parked());
    }

    private static String maxMessageBytes(Admin admin, ConfigResource resource) {
        try {
            return admin.describeConfigs(List.of(resource))
                    .all()
                    .get()
                    .get(resource)
                    .get("max.message.bytes")
                    .value();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One worker idle-polling once a minute, without the sequence probe: only a wake-up or the probe is quick. */
    private static RelayConfigBuilder slowPolling(String instanceId) {
        return config(instanceId)
                .workers(1)
                .batchSize(100)
                .minPollInterval(Duration.ofMinutes(1))
                .maxPollInterval(Duration.ofMinutes(1));
    }

    private static RelayConfig withStallTimeout(RelayConfig c, Duration stallTimeout) {
        return c.toBuilder().workers(1).stallTimeout(stallTimeout).build();
    }
}
