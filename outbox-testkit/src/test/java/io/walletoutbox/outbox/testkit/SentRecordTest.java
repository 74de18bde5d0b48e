package io.walletoutbox.outbox.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.RecordMapping;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The event id of a sent record, whichever stock mapping shaped it. */
class SentRecordTest {
    private static final UUID ID = UUID.randomUUID();
    private static final StoredEvent EVENT = new StoredEvent(
            1, ID, "Order", "order-1", "OrderPlaced", "orders", "{}", Map.of("traceparent", "x"), Instant.now());

    @Test
    void eventIdOfACloudEventsRecord() {
        var sent = SentRecord.of(RecordMapping.CLOUD_EVENTS.toRecord(EVENT));
        assertEquals(ID, sent.eventId());
        assertEquals(ID.toString(), sent.header("ce_id"));
    }

    @Test
    void eventIdOfADebeziumOutboxRecord() {
        var sent = SentRecord.of(RecordMapping.DEBEZIUM_OUTBOX.toRecord(EVENT));
        assertEquals(ID, sent.eventId());
        assertEquals("order-1", sent.key());
        assertEquals("{}", sent.valueAsString());
        assertEquals("x", sent.header("traceparent"));
    }

    @Test
    void noEventIdOnAForeignRecord() {
        var record = new ProducerRecord<String, byte[]>("orders", "k", "v".getBytes(StandardCharsets.UTF_8));
        assertNull(SentRecord.of(record).eventId());
    }
}
