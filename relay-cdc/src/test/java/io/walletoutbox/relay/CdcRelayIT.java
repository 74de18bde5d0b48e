package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.jdbi.JdbiOutbox;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.internal.CdcRelayImpl;
import io.walletoutbox.relay.internal.RelayHooks;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.Producer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * The relay contract for the CDC relay: events written as logical decoding messages, read from a slot of the
 * test's database (dropped at the end). Its backlog is the events written minus the acknowledgements counted, as
 * no table holds them. Several instances share one slot: one reads, the others wait as standbys.
 */
class CdcRelayIT extends RelayContractIT {
    private boolean slotRegistered;

    @Override
    protected Relay newRelay(
            Jdbi jdbi,
            java.util.function.Supplier<Producer<String, byte[]>> producers,
            RelayConfig config,
            RelayMetrics metrics,
            RelayHooks hooks) {
        CdcConfig cdc = CdcTestSupport.config(config.instanceId(), fixture.url, fixture.infra.user(), config);
        if (!slotRegistered) {
            // Registered before the first relay, so it runs after every relay of the test has closed.
            fixture.register(CdcTestSupport.dropper(CdcTestSupport.dataSource(fixture), cdc));
            slotRegistered = true;
        }
        // The contract hands relays a Jdbi; the CDC relay takes its connections.
        return new CdcRelayImpl(JdbiOutbox.dataSource(jdbi), producers.get(), cdc, metrics, hooks);
    }

    /** A retry emits the event anew into the WAL: after the key's later events, which were not held back. */
    @Override
    protected boolean retriedEventPrecedesTheKeysLaterEvents() {
        return false;
    }

    @Override
    protected OutboxMode outboxMode() {
        return OutboxMode.LOGICAL_MESSAGE;
    }

    @Override
    protected long backlog() {
        return Math.max(0, fixture.written() - fixture.acked());
    }

    /**
     * A record Kafka rejects for good is retried {@code maxAttempts} times and parked; unlike the polling relay,
     * the key's later events are not held back behind it even under BLOCK (the WAL stream is one sequence for
     * every key). Under BLOCK the later event still waits until the rejected one is parked: it never overtakes it
     * while it is being retried.
     */
    @Test
    void rejectedEventIsParkedAndTheKeysLaterEventFollowsIt() throws Exception {
        String topic = smallTopic("cdc-park", 1024);
        var registry = startMetered(
                config("relay-park")
                        .parkingPolicy(topic, ParkingPolicy.BLOCK)
                        .topics(topic)
                        .build(),
                fixture.infra.bootstrapServers(),
                20_000);
        OutboxEvent e1 = event(topic, "k", 1);
        OutboxEvent e2 = tooLarge(topic, "k", 2);
        OutboxEvent e3 = event(topic, "k", 3);
        fixture.append(List.of(e1, e2, e3));
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            var records = reader.awaitCount(2, LONG);
            assertEquals(List.of(e1.id(), e3.id()), ids(records));
        }
        await(() -> fixture.admin.status().parked() == 1, LONG, "e2 parked");
        var parked = fixture.admin.listParked(10, 0);
        assertEquals(1, parked.size());
        var p = parked.getFirst();
        assertEquals(e2.id(), p.eventId());
        assertEquals(topic, p.topic());
        assertEquals(3, p.attempts());
        assertTrue(p.lastError().contains("RecordTooLarge"), p.lastError());
        assertEquals(1.0, registry.get("relay.parked").counter().count());
        assertEquals(
                3.0,
                registry.get("relay.failed").tag("kind", "permanent").counter().count());
        // e3 went out only after e2's last attempt: it was sent once, in its key's order.
        assertEquals(2.0, registry.get("relay.published").counter().count());
    }

    /**
     * A logical message written by hand, not by the outbox's writer: anyone who may call {@code
     * pg_logical_emit_message} (PUBLIC, unless migration V7 could take it away) can make one with the outbox's prefix
     * and name any topic. The relay parks it and counts it, and publishes nothing there; the event written after it
     * arrives, so the relay has passed it (one WAL stream, in commit order).
     */
    @Test
    void handWrittenMessageWithTheOutboxPrefixNamingAForeignTopicIsParkedNeverPublished() {
        String topic = fixture.infra.newTopic("cdc-own", 1);
        String foreign = fixture.infra.newTopic("cdc-foreign", 1);
        var registry =
                startMetered(config("relay-forged").topics(topic).build(), fixture.infra.bootstrapServers(), 20_000);
        var forgedId = UUID.randomUUID();
        // The document the writer would make (LogicalMessages), built by hand.
        String document = "{\"eventId\":\"" + forgedId + "\",\"aggregateType\":\"Wallet\",\"aggregateId\":\"w-1\","
                + "\"type\":\"BillPaymentRequested\",\"topic\":\"" + foreign + "\",\"payload\":\"{}\","
                + "\"headers\":{},\"createdAtMicros\":" + System.currentTimeMillis() * 1000 + "}";
        fixture.jdbi.useHandle(h -> h.createQuery("SELECT pg_logical_emit_message(true, :prefix, :document)::text")
                .bind("prefix", OutboxMode.MESSAGE_PREFIX)
                .bind("document", document)
                .mapTo(String.class)
                .one());
        OutboxEvent after = event(topic, "w-1", 1);
        fixture.append(List.of(after));
        try (var own = new TopicReader(fixture.infra.bootstrapServers(), topic);
                var theirs = new TopicReader(fixture.infra.bootstrapServers(), foreign)) {
            own.awaitUntil(r -> ids(r).contains(after.id()), LONG, "the event written after the forged message");
            assertEquals(0, theirs.endOffsetTotal(), "nothing on the foreign topic");
        }
        assertEquals(1.0, registry.get("relay.foreign.topic").counter().count());
        await(() -> fixture.admin.status().parked() == 1, LONG, "the forged message parked");
        var parked = fixture.admin.listParked(10, 0).getFirst();
        assertEquals(forgedId, parked.eventId());
        assertEquals(foreign, parked.topic());
        assertEquals(
                Integer.valueOf(-1),
                fixture.jdbi.withHandle(h -> h.createQuery("SELECT shard FROM outbox_parked")
                        .mapTo(Integer.class)
                        .one()));
    }

    @Test
    void handWrittenMessagesWithTheOutboxPrefixThatAreNoEventAreSkippedAndTheRelayGoesOn() {
        String topic = fixture.infra.newTopic("cdc-unreadable", 1);
        var registry = startMetered(
                config("relay-unreadable").topics(topic).build(), fixture.infra.bootstrapServers(), 20_000);
        for (String document : List.of("not json at all", "{\"eventId\":\"not-a-uuid\"}", "{}")) {
            fixture.jdbi.useHandle(h -> h.createQuery("SELECT pg_logical_emit_message(true, :prefix, :document)::text")
                    .bind("prefix", OutboxMode.MESSAGE_PREFIX)
                    .bind("document", document)
                    .mapTo(String.class)
                    .one());
        }
        OutboxEvent after = event(topic, "w-2", 1);
        fixture.append(List.of(after));
        try (var own = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            own.awaitUntil(r -> ids(r).contains(after.id()), LONG, "the event written after the unreadable messages");
            assertEquals(1, own.endOffsetTotal(), "only the writer's event was sent");
        }
        assertEquals(3.0, registry.get("relay.unreadable").counter().count());
    }
}
