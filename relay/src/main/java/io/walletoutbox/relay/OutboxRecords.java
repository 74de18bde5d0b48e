package io.walletoutbox.relay;

import io.walletoutbox.outbox.OutboxEvent;
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

    /**
     * A stored outbox event, as a relay reads it. {@code createdAt} has the database's microsecond precision.
     *
     * @param position its outbox position (the CDC relay: its WAL position)
     * @param eventId the event id
     * @param aggregateType the kind of aggregate
     * @param aggregateId the aggregate's id, the record key
     * @param type the event type
     * @param topic the topic
     * @param payload the record value; not copied (the relays read it on their hot path): do not modify it
     * @param contentType the payload's media type ({@code application/json} for events stored as JSON text)
     * @param headers the event's own headers
     * @param createdAt when the event was made
     */
    public record StoredEvent(
            long position,
            UUID eventId,
            String aggregateType,
            String aggregateId,
            String type,
            String topic,
            byte[] payload,
            String contentType,
            Map<String, String> headers,
            Instant createdAt) {

        /**
         * An event whose payload is the JSON text {@code payload}.
         *
         * @param position its outbox position
         * @param eventId the event id
         * @param aggregateType the kind of aggregate
         * @param aggregateId the aggregate's id
         * @param type the event type
         * @param topic the topic
         * @param payload a JSON document, sent as its UTF-8 bytes
         * @param headers the event's own headers
         * @param createdAt when the event was made
         */
        public StoredEvent(
                long position,
                UUID eventId,
                String aggregateType,
                String aggregateId,
                String type,
                String topic,
                String payload,
                Map<String, String> headers,
                Instant createdAt) {
            this(
                    position,
                    eventId,
                    aggregateType,
                    aggregateId,
                    type,
                    topic,
                    payload.getBytes(StandardCharsets.UTF_8),
                    JSON,
                    headers,
                    createdAt);
        }

        /**
         * The payload decoded as UTF-8: the JSON text of a JSON event.
         *
         * @return the text
         */
        public String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof StoredEvent e
                    && position == e.position
                    && eventId.equals(e.eventId)
                    && aggregateType.equals(e.aggregateType)
                    && aggregateId.equals(e.aggregateId)
                    && type.equals(e.type)
                    && topic.equals(e.topic)
                    && java.util.Arrays.equals(payload, e.payload)
                    && contentType.equals(e.contentType)
                    && headers.equals(e.headers)
                    && createdAt.equals(e.createdAt);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(
                    position,
                    eventId,
                    aggregateType,
                    aggregateId,
                    type,
                    topic,
                    java.util.Arrays.hashCode(payload),
                    contentType,
                    headers,
                    createdAt);
        }

        @Override
        public String toString() {
            return "StoredEvent[position=" + position + ", eventId=" + eventId + ", aggregateType=" + aggregateType
                    + ", aggregateId=" + aggregateId + ", type=" + type + ", topic=" + topic + ", payload="
                    + payload.length + " bytes of " + contentType + ", headers=" + headers + ", createdAt="
                    + createdAt + "]";
        }
    }

    /** The content type of events stored as JSON text (the {@code content_type} column's NULL). */
    public static final String JSON = OutboxEvent.JSON;

    /**
     * The Kafka record for {@code event}.
     *
     * @param event an event read from the outbox
     * @return a record to {@code event}'s topic keyed by its aggregate id, with its payload as value and the
     *     CloudEvents {@code ce_*} and {@code content-type} headers before the event's own
     */
    public static ProducerRecord<String, byte[]> toRecord(StoredEvent event) {
        var headers = new RecordHeaders();
        headers.add("ce_specversion", bytes("1.0"));
        headers.add(EVENT_ID_HEADER, bytes(event.eventId().toString()));
        headers.add("ce_type", bytes(event.type()));
        headers.add("ce_source", bytes("/" + event.aggregateType()));
        headers.add(
                "ce_time",
                bytes(DateTimeFormatter.ISO_INSTANT.format(event.createdAt().truncatedTo(ChronoUnit.MICROS))));
        headers.add("content-type", bytes(event.contentType()));
        addOwnHeaders(headers, event);
        return new ProducerRecord<>(event.topic(), null, event.aggregateId(), event.payload(), headers);
    }

    /** Adds {@code event}'s own headers to {@code headers}, in name order (every mapping does, the same way). */
    static void addOwnHeaders(RecordHeaders headers, StoredEvent event) {
        new TreeMap<>(event.headers()).forEach((name, value) -> headers.add(name, bytes(value)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
