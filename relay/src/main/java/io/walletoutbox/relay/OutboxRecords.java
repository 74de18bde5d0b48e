package io.walletoutbox.relay;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Turns a stored outbox event into its Kafka record in the default shape ({@link RecordMapping#CLOUD_EVENTS}), the
 * same way for every relay (polling and CDC), so both produce byte-identical records: key = aggregate id, value = payload bytes, CloudEvents binary-mode headers
 * ({@code ce_specversion}, {@code ce_id}, {@code ce_type}, {@code ce_source}, {@code ce_time}, {@code
 * content-type}) followed by the event's own headers in name order.
 */
public final class OutboxRecords {
    /** The CloudEvents header that carries the event id ({@link RecordMapping#CLOUD_EVENTS}). */
    public static final String EVENT_ID_HEADER = "ce_id";

    private OutboxRecords() {}

    /** A stored outbox event, as a relay reads it. {@code createdAt} has the database's microsecond precision. */
    public record StoredEvent(
            long position,
            UUID eventId,
            String aggregateType,
            String aggregateId,
            String type,
            String topic,
            String payload,
            Map<String, String> headers,
            Instant createdAt) {}

    /** The Kafka record for {@code event}. */
    public static ProducerRecord<String, byte[]> toRecord(StoredEvent event) {
        var headers = new RecordHeaders();
        headers.add("ce_specversion", bytes("1.0"));
        headers.add(EVENT_ID_HEADER, bytes(event.eventId().toString()));
        headers.add("ce_type", bytes(event.type()));
        headers.add("ce_source", bytes("/" + event.aggregateType()));
        headers.add(
                "ce_time",
                bytes(DateTimeFormatter.ISO_INSTANT.format(event.createdAt().truncatedTo(ChronoUnit.MICROS))));
        headers.add("content-type", bytes("application/json"));
        addOwnHeaders(headers, event);
        return new ProducerRecord<>(event.topic(), null, event.aggregateId(), bytes(event.payload()), headers);
    }

    /** Adds {@code event}'s own headers to {@code headers}, in name order (every mapping does, the same way). */
    static void addOwnHeaders(RecordHeaders headers, StoredEvent event) {
        new TreeMap<>(event.headers()).forEach((name, value) -> headers.add(name, bytes(value)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
