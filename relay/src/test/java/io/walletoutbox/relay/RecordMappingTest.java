package io.walletoutbox.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class RecordMappingTest {
    private static final UUID ID = UUID.fromString("0b7e4b8c-3f1a-4a55-9a43-2f0c6a1d9e01");
    private static final String PAYLOAD = "{\"orderId\":\"o-1\",\"note\":\"caf\u00e9\"}";

    private static StoredEvent event(Map<String, String> headers) {
        return new StoredEvent(
                7,
                ID,
                "Order",
                "order-1",
                "OrderPlaced",
                "orders.events",
                PAYLOAD,
                headers,
                Instant.parse("2026-01-02T03:04:05.123456Z"));
    }

    @Test
    void cloudEventsIsTheDefaultRecordOfBothRelays() {
        var event = event(Map.of("traceparent", "00-abc-def-01"));
        var mapped = RecordMapping.CLOUD_EVENTS.toRecord(event);
        var stock = OutboxRecords.toRecord(event);
        assertEquals(stock.key(), mapped.key());
        assertArrayEquals(stock.value(), mapped.value());
        assertEquals(
                List.of(stock.headers().toArray()), List.of(mapped.headers().toArray()));
        assertSame(
                RecordMapping.CLOUD_EVENTS,
                RelayConfig.builder("r").topics("t").build().recordMapping());
        assertEquals(ID, RecordMapping.CLOUD_EVENTS.eventId(mapped.headers()));
    }

    @Test
    void debeziumOutboxRecordIsTheEventRoutersDefaultShape() {
        var record = RecordMapping.DEBEZIUM_OUTBOX.toRecord(event(Map.of("traceparent", "00-abc-def-01", "a", "1")));
        assertEquals("orders.events", record.topic(), "the stored topic, never outbox.event.<type>");
        assertEquals("order-1", record.key(), "key = aggregate id");
        assertNull(record.partition());
        assertArrayEquals(PAYLOAD.getBytes(StandardCharsets.UTF_8), record.value(), "value = payload");
        var names = Arrays.stream(record.headers().toArray()).map(h -> h.key()).toList();
        assertEquals(List.of("id", "a", "traceparent"), names, "id first, then the event's own headers by name");
        assertEquals(ID.toString(), new String(record.headers().lastHeader("id").value(), StandardCharsets.UTF_8));
        assertEquals(ID, RecordMapping.DEBEZIUM_OUTBOX.eventId(record.headers()));
        assertNull(RecordMapping.CLOUD_EVENTS.eventId(record.headers()), "no ce_id on a Debezium-shaped record");
    }

    @Test
    void eventIdIsNullWhenMissingOrNotAUuid() {
        var headers = new RecordHeaders();
        assertNull(RecordMapping.DEBEZIUM_OUTBOX.eventId(headers));
        headers.add("id", "not-a-uuid".getBytes(StandardCharsets.UTF_8));
        headers.add("ce_id", null);
        assertNull(RecordMapping.DEBEZIUM_OUTBOX.eventId(headers));
        assertNull(RecordMapping.CLOUD_EVENTS.eventId(headers));
    }

    @Test
    void theMappingIsPartOfTheConfiguration() {
        var cloud = RelayConfig.builder("r").topics("t").build();
        var debezium =
                cloud.toBuilder().recordMapping(RecordMapping.DEBEZIUM_OUTBOX).build();
        assertSame(RecordMapping.DEBEZIUM_OUTBOX, debezium.recordMapping());
        assertNotEquals(cloud, debezium);
        assertEquals(debezium, debezium.toBuilder().build());
        assertEquals("DEBEZIUM_OUTBOX", debezium.toString().replaceAll(".*recordMapping=(\\w+).*", "$1"));
        assertThrows(
                NullPointerException.class,
                () -> cloud.toBuilder().recordMapping(null).build());
    }

    @Test
    void instanceIdCanBeChangedOnACopy() {
        var one = RelayConfig.builder("relay-1").topics("t").workers(3).build();
        var two = one.toBuilder().instanceId("relay-2").build();
        assertEquals("relay-2", two.instanceId());
        assertEquals(3, two.workers());
        assertThrows(
                IllegalArgumentException.class,
                () -> one.toBuilder().instanceId(" ").build());
    }
}
