package io.walletoutbox.outbox;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One event to publish: {@code payload} (JSON text) goes to {@code topic} with {@code aggregateId} as the Kafka
 * key, so one aggregate's events stay in one partition and in order.
 *
 * @param id unique event id, the consumers' de-duplication key ({@code ce_id})
 * @param aggregateType the kind of aggregate, e.g. {@code Wallet} (used in {@code ce_source})
 * @param aggregateId the aggregate's id; the record key and the unit of ordering
 * @param type the event type ({@code ce_type}), e.g. {@code BillPaymentRequested}
 * @param topic the Kafka topic
 * @param payload the record value, a JSON document, kept byte for byte
 * @param headers extra record headers (for example {@code traceparent}); names must not start with {@code ce_}
 * @param createdAt when the event was made ({@code ce_time})
 */
public record OutboxEvent(
        UUID id,
        String aggregateType,
        String aggregateId,
        String type,
        String topic,
        String payload,
        Map<String, String> headers,
        Instant createdAt) {

    /** Largest payload accepted, in bytes; Kafka's default message limit is about 1 MB. */
    public static final int MAX_PAYLOAD_BYTES = 900_000;

    public OutboxEvent {
        Objects.requireNonNull(id, "id");
        requireText(aggregateType, "aggregateType", 200);
        requireText(aggregateId, "aggregateId", 200);
        requireText(type, "type", 200);
        requireText(topic, "topic", 249);
        Objects.requireNonNull(payload, "payload");
        if (payload.getBytes(StandardCharsets.UTF_8).length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("payload larger than " + MAX_PAYLOAD_BYTES + " bytes");
        }
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        for (String name : headers.keySet()) {
            if (name.startsWith("ce_") || name.equals("content-type")) {
                throw new IllegalArgumentException("header " + name + " is set by the relay");
            }
        }
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** An event with a fresh random id, no extra headers, made now. */
    public static OutboxEvent of(String aggregateType, String aggregateId, String type, String topic, String payload) {
        return new OutboxEvent(
                UUID.randomUUID(), aggregateType, aggregateId, type, topic, payload, Map.of(), Instant.now());
    }

    /** This event with one more header. */
    public OutboxEvent withHeader(String name, String value) {
        var copy = new java.util.HashMap<>(headers);
        copy.put(name, value);
        return new OutboxEvent(id, aggregateType, aggregateId, type, topic, payload, copy, createdAt);
    }

    private static void requireText(String value, String name, int max) {
        Objects.requireNonNull(value, name);
        if (value.isBlank() || value.length() > max) {
            throw new IllegalArgumentException(name + " must be 1.." + max + " characters");
        }
    }
}
