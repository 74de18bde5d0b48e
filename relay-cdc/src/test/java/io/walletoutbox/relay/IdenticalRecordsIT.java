package io.walletoutbox.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.cdc.CdcRelay;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * The same events through the polling relay (outbox table) and the CDC relay (logical decoding messages) become
 * byte-identical Kafka records: key, value, and every header in the same order with the same bytes.
 */
class IdenticalRecordsIT {

    @Test
    void pollingAndCdcRelaysPublishByteIdenticalRecords() throws Exception {
        var events = events();
        var polling = publish(OutboxMode.TABLE, events, RecordMapping.CLOUD_EVENTS);
        var cdc = publish(OutboxMode.LOGICAL_MESSAGE, events, RecordMapping.CLOUD_EVENTS);
        assertEquals(events.size(), polling.size());
        assertEquals(events.size(), cdc.size());
        // The polling relay publishes shard by shard, so compare event by event, not by arrival.
        var pollingById = byId(polling, RecordMapping.CLOUD_EVENTS);
        var cdcById = byId(cdc, RecordMapping.CLOUD_EVENTS);
        assertIdentical(events, pollingById, cdcById);
        // Any payload's bytes unchanged, with its content type: JSON text, bytes that are not UTF-8, text/plain.
        for (OutboxEvent e : events) {
            for (var record : List.of(pollingById.get(e.id()), cdcById.get(e.id()))) {
                assertArrayEquals(e.payload(), record.value(), "the payload's bytes of " + e);
                assertEquals(e.contentType(), TopicReader.header(record, "content-type"), "content type of " + e);
            }
        }
        // ce_time at PostgreSQL's microsecond precision, whatever the writer's Instant had.
        assertEquals(
                "2026-11-27T13:15:02.12345",
                TopicReader.header(cdcById.get(events.getFirst().id()), "ce_time")
                        .substring(0, 25));
        assertEquals(
                List.of(
                        "ce_specversion",
                        "ce_id",
                        "ce_type",
                        "ce_source",
                        "ce_time",
                        "content-type",
                        "b-extra",
                        "traceparent"),
                headers(pollingById.get(events.getFirst().id())).stream()
                        .map(h -> h.split("=")[0])
                        .toList());
    }

    /**
     * With {@link RecordMapping#DEBEZIUM_OUTBOX} both relays publish the records of Debezium's outbox event router
     * (key = aggregate id, value = payload, header {@code id}), again byte-identical between them.
     */
    @Test
    void bothRelaysPublishDebeziumOutboxRecordsWhenConfigured() throws Exception {
        var events = events();
        var mapping = RecordMapping.DEBEZIUM_OUTBOX;
        var polling = byId(publish(OutboxMode.TABLE, events, mapping), mapping);
        var cdc = byId(publish(OutboxMode.LOGICAL_MESSAGE, events, mapping), mapping);
        assertEquals(events.size(), polling.size(), "every record carries its event id in the id header");
        assertIdentical(events, polling, cdc);
        for (OutboxEvent e : events) {
            var record = polling.get(e.id());
            assertEquals(e.aggregateId(), record.key());
            assertArrayEquals(e.payload(), record.value());
            assertEquals(e.id().toString(), TopicReader.header(record, "id"));
            assertEquals(null, record.headers().lastHeader("ce_id"), "no CloudEvents headers");
        }
        assertEquals(
                List.of("id", "b-extra", "traceparent"),
                headers(polling.get(events.getFirst().id())).stream()
                        .map(h -> h.split("=")[0])
                        .toList());
    }

    private static List<OutboxEvent> events() {
        return List.of(
                // nanoseconds that PostgreSQL rounds (up) to microseconds, extra headers out of name order,
                // a payload with non-ASCII text, escapes and spacing that must survive byte for byte
                new OutboxEvent(
                        UUID.randomUUID(),
                        "Wallet",
                        "w-1",
                        "BillPaymentRequested",
                        "ignored",
                        "{ \"amount\": 2500, \"note\": \"caf\u00e9 \\\"wifi\\\" \u20ac\\n\", \"x\":[1,2] }",
                        Map.of(
                                "traceparent",
                                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                "b-extra",
                                "\u00fc"),
                        Instant.parse("2026-11-27T13:15:02.123456789Z")),
                new OutboxEvent(
                        UUID.randomUUID(),
                        "Wallet",
                        "w-2",
                        "BillPaymentSucceeded",
                        "ignored",
                        "{}",
                        Map.of(),
                        Instant.parse("1999-12-31T23:59:59.999999500Z")),
                OutboxEvent.of("Wallet", "w-1", "BillPaymentFailed", "ignored", "{\"seq\":3}"),
                // bytes of another content type, NUL and invalid UTF-8 included, and a long one (Base64 lines)
                OutboxEvent.of(
                        "Wallet",
                        "w-3",
                        "Snapshot",
                        "ignored",
                        new byte[] {0x0a, 0x00, (byte) 0xff, (byte) 0xc3, 0x28, 0x10},
                        "application/x-protobuf"),
                OutboxEvent.of("Wallet", "w-3", "Snapshot", "ignored", LONG_BYTES, "application/octet-stream"),
                OutboxEvent.of(
                        "Wallet",
                        "w-3",
                        "Note",
                        "ignored",
                        "caf\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "text/plain; charset=utf-8"));
    }

    private static final byte[] LONG_BYTES = new byte[5000];

    static {
        new java.util.Random(7).nextBytes(LONG_BYTES);
    }

    private static Map<UUID, ConsumerRecord<String, byte[]>> byId(
            List<ConsumerRecord<String, byte[]>> records, RecordMapping mapping) {
        var byId = new java.util.HashMap<UUID, ConsumerRecord<String, byte[]>>();
        records.forEach(r -> byId.put(mapping.eventId(r.headers()), r));
        byId.remove(null);
        return byId;
    }

    private static void assertIdentical(
            List<OutboxEvent> events,
            Map<UUID, ConsumerRecord<String, byte[]>> pollingById,
            Map<UUID, ConsumerRecord<String, byte[]>> cdcById) {
        for (int i = 0; i < events.size(); i++) {
            var p = pollingById.get(events.get(i).id());
            var c = cdcById.get(events.get(i).id());
            assertEquals(p.key(), c.key(), "key of event " + i);
            assertArrayEquals(p.value(), c.value(), "value of event " + i);
            assertEquals(headers(p), headers(c), "headers of event " + i);
        }
    }

    /** Writes {@code events} (to a topic of its own) in one transaction and reads what the mode's relay publishes. */
    private static List<ConsumerRecord<String, byte[]>> publish(
            OutboxMode mode, List<OutboxEvent> events, RecordMapping mapping) throws Exception {
        String name = mode.name().toLowerCase() + "_" + mapping.toString().toLowerCase();
        try (var fixture = new RelayFixture("identical_" + name, mode)) {
            String topic = fixture.infra.newTopic("identical-" + name.replace('_', '-'), 1);
            var onTopic = new ArrayList<OutboxEvent>();
            for (OutboxEvent e : events) {
                onTopic.add(new OutboxEvent(
                        e.id(),
                        e.aggregateType(),
                        e.aggregateId(),
                        e.type(),
                        topic,
                        e.payload(),
                        e.contentType(),
                        e.headers(),
                        e.createdAt()));
            }
            var config = RelayContractIT.config("identical-" + name.replace('_', '-'))
                    .topics(topic)
                    .recordMapping(mapping)
                    .build();
            DataSource dataSource = fixture.pool("relay", 3);
            Jdbi jdbi = Jdbi.create(dataSource);
            var producer = KafkaProducers.create(fixture.infra.bootstrapServers(), config.instanceId());
            Relay relay;
            if (mode == OutboxMode.TABLE) {
                relay = PollingRelay.create(dataSource, producer, config, RelayMetrics.NONE);
            } else {
                var cdc = CdcTestSupport.config(config.instanceId(), fixture.url, fixture.infra.user(), config);
                fixture.register(CdcTestSupport.dropper(CdcTestSupport.dataSource(fixture), cdc));
                relay = CdcRelay.create(dataSource, producer, cdc, RelayMetrics.NONE);
            }
            fixture.register(relay);
            relay.start();
            fixture.append(onTopic);
            try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
                return reader.awaitCount(events.size(), Duration.ofMinutes(2));
            }
        }
    }

    private static List<String> headers(ConsumerRecord<String, byte[]> record) {
        var out = new ArrayList<String>();
        for (Header h : record.headers()) {
            out.add(h.key() + "=" + java.util.HexFormat.of().formatHex(h.value()));
        }
        return out;
    }
}
