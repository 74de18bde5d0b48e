package io.walletoutbox.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OutboxRecordsTest {
    private static final UUID ID = UUID.fromString("0b7e4b8c-3f1a-4a55-9a43-2f0c6a1d9e01");
    private static final String PAYLOAD = "{\"amount\":2500,\"note\":\"caf\u00e9 \u20ac\"}";

    private static StoredEvent event(Map<String, String> headers) {
        return new StoredEvent(
                42,
                ID,
                "Thing",
                "thing-7",
                "ThingChanged",
                "things.events",
                PAYLOAD,
                headers,
                Instant.parse("2026-01-02T03:04:05.123456789Z"));
    }

    @Test
    void keyTopicAndValueAreTheEventsOwnBytes() {
        var record = OutboxRecords.toRecord(event(Map.of()));
        assertEquals("things.events", record.topic());
        assertEquals("thing-7", record.key());
        assertNull(record.partition(), "the partitioner places the record by key");
        assertArrayEquals(PAYLOAD.getBytes(StandardCharsets.UTF_8), record.value());
    }

    @Test
    void cloudEventsHeadersComeFirstThenTheEventsHeadersByName() {
        var record =
                OutboxRecords.toRecord(event(Map.of("traceparent", "00-abc-def-01", "b-header", "2", "a-header", "1")));
        var names = Arrays.stream(record.headers().toArray()).map(h -> h.key()).toList();
        assertEquals(
                List.of(
                        "ce_specversion",
                        "ce_id",
                        "ce_type",
                        "ce_source",
                        "ce_time",
                        "content-type",
                        "a-header",
                        "b-header",
                        "traceparent"),
                names);
        assertEquals("1.0", header(record, "ce_specversion"));
        assertEquals(ID.toString(), header(record, "ce_id"));
        assertEquals("ThingChanged", header(record, "ce_type"));
        assertEquals("/Thing", header(record, "ce_source"));
        assertEquals("2026-01-02T03:04:05.123456Z", header(record, "ce_time"), "microseconds, as stored");
        assertEquals("application/json", header(record, "content-type"));
        assertEquals("00-abc-def-01", header(record, "traceparent"));
    }

    @Test
    void sameEventGivesIdenticalRecords() {
        var a = OutboxRecords.toRecord(event(Map.of("x", "1", "y", "2")));
        var b = OutboxRecords.toRecord(event(Map.of("y", "2", "x", "1")));
        assertEquals(a.key(), b.key());
        assertArrayEquals(a.value(), b.value());
        assertEquals(List.of(a.headers().toArray()), List.of(b.headers().toArray()));
    }

    private static String header(org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> record, String n) {
        return new String(record.headers().lastHeader(n).value(), StandardCharsets.UTF_8);
    }
}
