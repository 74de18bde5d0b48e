package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.relay.internal.PollingRelayImpl;
import io.walletoutbox.relay.internal.RelayHooks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.Producer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** The relay contract for the polling relay, plus what only it has: shard leases that expire, in-process wake-up. */
class PollingRelayIT extends RelayContractIT {

    @Override
    protected Relay newRelay(
            Jdbi jdbi, Producer<String, byte[]> producer, RelayConfig config, RelayMetrics metrics, RelayHooks hooks) {
        return PollingRelayImpl.create(jdbi, producer, config, metrics, hooks);
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
        var stallConfig = withStallTimeout(config("relay-stalled"), Duration.ofSeconds(2));
        try {
            start(stallConfig, fixture.infra.bootstrapServers(), 1_000, RelayMetrics.NONE, stall);
            var events = new ArrayList<OutboxEvent>();
            for (int i = 0; i < 10; i++) {
                events.add(event(topic, "one-key", i));
            }
            fixture.append(events);
            await(() -> stalled.getCount() == 0, LONG, "the first relay to stall after its acks");
            start(config("relay-healthy"));
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
    void committedEventIsPublishedAtOnceWhenTheWriterWakesTheRelay() {
        String topic = fixture.infra.newTopic("polling-wake", 1);
        // Idle polling once a minute: only the wake-up can bring the second event out within the deadline.
        var slow = new RelayConfig(
                "relay-wake",
                1,
                100,
                Duration.ofMinutes(1),
                Duration.ofMinutes(1),
                Duration.ofSeconds(30),
                3,
                Duration.ofMillis(50),
                Duration.ofSeconds(1),
                Map.of());
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

    private static RelayConfig withStallTimeout(RelayConfig c, Duration stallTimeout) {
        return new RelayConfig(
                c.instanceId(),
                1,
                c.batchSize(),
                c.minPollInterval(),
                c.maxPollInterval(),
                stallTimeout,
                c.maxAttempts(),
                c.retryBackoff(),
                c.maxRetryBackoff(),
                c.parkingPolicies());
    }
}
