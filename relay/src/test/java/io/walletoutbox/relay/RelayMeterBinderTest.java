package io.walletoutbox.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.outbox.OutboxAdmin;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RelayMeterBinderTest {

    /** Answers a growing backlog and counts the reads. */
    private static final class StubAdmin implements OutboxAdmin {
        final AtomicInteger reads = new AtomicInteger();

        volatile boolean failing;

        @Override
        public Status status() {
            int n = reads.incrementAndGet();
            if (failing) {
                throw new IllegalStateException("the database is away (test)");
            }
            return new Status(n * 10L, Duration.ofMillis(1500), n);
        }

        @Override
        public List<ParkedEvent> listParked(int limit, long afterId) {
            return List.of();
        }

        @Override
        public boolean retry(long id) {
            return false;
        }

        @Override
        public boolean discard(long id) {
            return false;
        }

        @Override
        public boolean retry(java.sql.Connection connection, long id) {
            return false;
        }

        @Override
        public boolean discard(java.sql.Connection connection, long id) {
            return false;
        }

        @Override
        public java.util.Optional<DiscardedEvent> discardEvent(java.sql.Connection connection, long id) {
            throw new UnsupportedOperationException();
        }
    }

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void outboxGaugesReadTheDatabaseAtMostOncePerCacheTime() {
        var admin = new StubAdmin();
        var clock = new MutableClock();
        var binder = new RelayMeterBinder(admin, Duration.ofSeconds(2), clock);
        var registry = new SimpleMeterRegistry();
        binder.bindTo(registry);
        assertEquals(10.0, registry.get("outbox.backlog").gauge().value());
        assertEquals(1.5, registry.get("outbox.oldest.age").gauge().value());
        assertEquals(1.0, registry.get("outbox.parked").gauge().value());
        assertEquals(1, admin.reads.get(), "three gauges, one read");
        clock.now = clock.now.plusSeconds(2);
        assertEquals(20.0, registry.get("outbox.backlog").gauge().value());
        assertEquals(2, admin.reads.get());
    }

    @Test
    void aFailedReadIsNaNForEveryGaugeAndRememberedForTheCacheTime() {
        var admin = new StubAdmin();
        admin.failing = true;
        var clock = new MutableClock();
        var binder = new RelayMeterBinder(admin, Duration.ofSeconds(2), clock);
        var registry = new SimpleMeterRegistry();
        binder.bindTo(registry);
        assertTrue(Double.isNaN(registry.get("outbox.backlog").gauge().value()));
        assertTrue(Double.isNaN(registry.get("outbox.oldest.age").gauge().value()));
        assertTrue(Double.isNaN(registry.get("outbox.parked").gauge().value()));
        assertEquals(1, admin.reads.get(), "a scrape while the database is away waits for one read, not three");
        admin.failing = false;
        clock.now = clock.now.plusSeconds(2);
        assertEquals(20.0, registry.get("outbox.backlog").gauge().value());
    }

    @Test
    void relayEventsLandInTaggedMeters() {
        var binder = new RelayMeterBinder(new StubAdmin());
        var registry = new SimpleMeterRegistry();
        binder.bindTo(registry);
        binder.batchClaimed(7);
        binder.published(Duration.ofMillis(30));
        binder.published(Duration.ofMillis(-5)); // clock skew between writer and relay
        binder.failed(false);
        binder.failed(true);
        binder.failed(true);
        binder.parked();
        binder.foreignTopic();
        binder.foreignTopic();
        binder.shardsOwned(2);
        binder.shardsOwned(-1);
        assertEquals(2.0, registry.get("relay.published").counter().count());
        assertEquals(
                1.0,
                registry.get("relay.failed").tag("kind", "retriable").counter().count());
        assertEquals(
                2.0,
                registry.get("relay.failed").tag("kind", "permanent").counter().count());
        assertEquals(1.0, registry.get("relay.parked").counter().count());
        assertEquals(2.0, registry.get("relay.foreign.topic").counter().count());
        assertEquals(7.0, registry.get("relay.batch.size").summary().totalAmount());
        assertEquals(2, registry.get("relay.publish.latency").timer().count());
        assertEquals(
                30.0,
                registry.get("relay.publish.latency").timer().totalTime(java.util.concurrent.TimeUnit.MILLISECONDS));
        assertEquals(1.0, registry.get("relay.shards.owned").gauge().value());
    }
}
