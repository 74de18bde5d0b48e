package io.walletoutbox.outbox.testkit;

import io.walletoutbox.relay.RecordMapping;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One record a relay sent and Kafka (or the {@link RecordingProducer}) acknowledged, as a test asserts on it.
 *
 * @param topic the topic
 * @param key the record key (the event's aggregate id)
 * @param headers the record's headers in the order they were sent (CloudEvents {@code ce_*}, {@code content-type},
 *     then the event's own), values decoded as UTF-8; unmodifiable
 * @param value the record's value (the event's payload bytes); a copy is kept and handed out
 * @param eventId the event id, from the {@code ce_id} header ({@link RecordMapping#CLOUD_EVENTS}) or else the {@code
 *     id} header ({@link RecordMapping#DEBEZIUM_OUTBOX}); null for a record with neither (a mapping of your own)
 */
public record SentRecord(String topic, String key, Map<String, String> headers, byte[] value, UUID eventId) {

    /** Copies {@code headers} and {@code value}; {@code topic}, {@code headers} and {@code value} must not be null. */
    public SentRecord {
        Objects.requireNonNull(topic, "topic");
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(headers, "headers")));
        value = Objects.requireNonNull(value, "value").clone();
    }

    /**
     * The record as a relay built it (the event id read as {@link #eventId()} says).
     *
     * @param record a record given to a producer
     * @return the record's topic, key, headers and value (an empty array for a null value) and its event id
     */
    public static SentRecord of(ProducerRecord<String, byte[]> record) {
        var headers = new LinkedHashMap<String, String>();
        for (Header h : record.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        UUID eventId = RecordMapping.CLOUD_EVENTS.eventId(record.headers());
        if (eventId == null) {
            eventId = RecordMapping.DEBEZIUM_OUTBOX.eventId(record.headers());
        }
        byte[] value = record.value() == null ? new byte[0] : record.value();
        return new SentRecord(record.topic(), record.key(), headers, value, eventId);
    }

    /**
     * A copy of the value.
     *
     * @return a new array each call
     */
    @Override
    public byte[] value() {
        return value.clone();
    }

    /**
     * The value decoded as UTF-8 (the outbox's payloads are JSON text).
     *
     * @return the value as text
     */
    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    /**
     * The header {@code name}'s value, or null when the record has none.
     *
     * @param name a header's name
     * @return its value, or null
     */
    public String header(String name) {
        return headers.get(name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SentRecord r
                && topic.equals(r.topic)
                && Objects.equals(key, r.key)
                && headers.equals(r.headers)
                && Arrays.equals(value, r.value)
                && Objects.equals(eventId, r.eventId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, key, headers, Arrays.hashCode(value), eventId);
    }

    @Override
    public String toString() {
        return "SentRecord[topic=" + topic + ", key=" + key + ", eventId=" + eventId + ", value=" + valueAsString()
                + "]";
    }
}
