package io.walletoutbox.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.walletoutbox.outbox.internal.Json;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One event to publish: {@code payload} (bytes of {@code contentType}) goes to {@code topic} with {@code
 * aggregateId} as the Kafka key, so one aggregate's events stay in one partition and in order.
 *
 * <p>Make one with {@link #of(String, String, String, String, String)} (a JSON text), {@link #json} (any value,
 * written by Jackson), or {@link #of(String, String, String, String, byte[], String)} (bytes of any content type:
 * Avro, Protobuf, …). The relays send the payload's bytes unchanged as the record value, and the content type as the
 * {@code content-type} header ({@code RecordMapping.CLOUD_EVENTS}).
 *
 * @param id unique event id, the consumers' de-duplication key ({@code ce_id})
 * @param aggregateType the kind of aggregate, e.g. {@code Wallet} (used in {@code ce_source})
 * @param aggregateId the aggregate's id; the record key and the unit of ordering
 * @param type the event type ({@code ce_type}), e.g. {@code BillPaymentRequested}
 * @param topic the Kafka topic
 * @param payload the record value, kept byte for byte (the array is copied in and out)
 * @param contentType the payload's media type, e.g. {@code application/json} ({@link #JSON}) or {@code
 *     application/x-protobuf}; printable ASCII, at most 200 characters
 * @param headers extra record headers (for example {@code traceparent}); names must not start with {@code ce_}
 * @param createdAt when the event was made ({@code ce_time})
 */
public record OutboxEvent(
        UUID id,
        String aggregateType,
        String aggregateId,
        String type,
        String topic,
        byte[] payload,
        String contentType,
        Map<String, String> headers,
        Instant createdAt) {

    /** Largest payload accepted, in bytes; Kafka's default message limit is about 1 MB. */
    public static final int MAX_PAYLOAD_BYTES = 900_000;

    /** The content type of JSON payloads, and of every event made from a {@code String} payload. */
    public static final String JSON = "application/json";

    /**
     * Checks every component and copies {@code payload} and {@code headers}.
     *
     * @throws NullPointerException when a component is null
     * @throws IllegalArgumentException when a text component is blank or too long (200 characters, 249 for {@code
     *     topic}), the payload is larger than {@link #MAX_PAYLOAD_BYTES}, {@code contentType} is not printable ASCII,
     *     or a header is named {@code ce_*} or {@code content-type}
     */
    public OutboxEvent {
        Objects.requireNonNull(id, "id");
        requireText(aggregateType, "aggregateType", 200);
        requireText(aggregateId, "aggregateId", 200);
        requireText(type, "type", 200);
        requireText(topic, "topic", 249);
        payload = Objects.requireNonNull(payload, "payload").clone();
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("payload larger than " + MAX_PAYLOAD_BYTES + " bytes");
        }
        requireText(contentType, "contentType", 200);
        if (!contentType.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("contentType must be printable ASCII");
        }
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        for (String name : headers.keySet()) {
            if (name.startsWith("ce_") || name.equals("content-type")) {
                throw new IllegalArgumentException("header " + name + " is set by the relay");
            }
        }
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /**
     * An event whose payload is the JSON text {@code payload} (stored and sent as its UTF-8 bytes, content type
     * {@link #JSON}).
     *
     * @param id unique event id
     * @param aggregateType the kind of aggregate
     * @param aggregateId the aggregate's id, the record key
     * @param type the event type
     * @param topic the Kafka topic
     * @param payload a JSON document
     * @param headers extra record headers
     * @param createdAt when the event was made
     */
    public OutboxEvent(
            UUID id,
            String aggregateType,
            String aggregateId,
            String type,
            String topic,
            String payload,
            Map<String, String> headers,
            Instant createdAt) {
        this(
                id,
                aggregateType,
                aggregateId,
                type,
                topic,
                Objects.requireNonNull(payload, "payload").getBytes(StandardCharsets.UTF_8),
                JSON,
                headers,
                createdAt);
    }

    /**
     * An event with a fresh random id, no extra headers, made now, whose payload is the JSON text {@code payload}.
     *
     * @param aggregateType the kind of aggregate
     * @param aggregateId the aggregate's id, the record key
     * @param type the event type
     * @param topic the Kafka topic
     * @param payload a JSON document
     * @return the event
     */
    public static OutboxEvent of(String aggregateType, String aggregateId, String type, String topic, String payload) {
        return new OutboxEvent(
                UUID.randomUUID(), aggregateType, aggregateId, type, topic, payload, Map.of(), Instant.now());
    }

    /**
     * An event with a fresh random id, no extra headers, made now, whose payload is {@code payload} of {@code
     * contentType}.
     *
     * @param aggregateType the kind of aggregate
     * @param aggregateId the aggregate's id, the record key
     * @param type the event type
     * @param topic the Kafka topic
     * @param payload the record value
     * @param contentType its media type
     * @return the event
     */
    public static OutboxEvent of(
            String aggregateType, String aggregateId, String type, String topic, byte[] payload, String contentType) {
        return new OutboxEvent(
                UUID.randomUUID(),
                aggregateType,
                aggregateId,
                type,
                topic,
                payload,
                contentType,
                Map.of(),
                Instant.now());
    }

    /**
     * An event whose payload is {@code value} written as JSON by Jackson (its default settings: public fields and
     * getters, records by their components), content type {@link #JSON}; fresh random id, no headers, made now.
     *
     * @param aggregateType the kind of aggregate
     * @param aggregateId the aggregate's id, the record key
     * @param type the event type
     * @param topic the Kafka topic
     * @param value what to write
     * @return the event
     * @throws IllegalArgumentException when Jackson cannot write {@code value}
     */
    public static OutboxEvent json(String aggregateType, String aggregateId, String type, String topic, Object value) {
        try {
            return of(aggregateType, aggregateId, type, topic, Json.MAPPER.writeValueAsBytes(value), JSON);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("payload cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * This event with one more header.
     *
     * @param name the header's name (not {@code ce_…} or {@code content-type})
     * @param value its value
     * @return the copy
     */
    public OutboxEvent withHeader(String name, String value) {
        var copy = new HashMap<>(headers);
        copy.put(name, value);
        return new OutboxEvent(id, aggregateType, aggregateId, type, topic, payload, contentType, copy, createdAt);
    }

    /**
     * The payload's bytes (a copy).
     *
     * @return the record value
     */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /**
     * The payload decoded as UTF-8 (malformed bytes replaced): the JSON text of a JSON event.
     *
     * @return the payload as text
     */
    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /**
     * Whether the outbox stores the payload as text (column {@code payload}, readable with SQL, as every event of
     * the versions before byte payloads) or as bytes (column {@code payload_bytes}): as text when the content type
     * is textual (JSON, XML, {@code text/*}, in UTF-8) and the bytes are UTF-8 without NUL. Either way the relay
     * sends the same bytes.
     *
     * @return true for text
     */
    public boolean storedAsText() {
        return storedAsText(payload, contentType);
    }

    /**
     * {@link #storedAsText()} for any payload and content type: the one rule of every writer, and of a relay that
     * parks an event it read elsewhere (the CDC relay).
     *
     * @param payload the bytes
     * @param contentType their media type
     * @return true when they are stored as text
     */
    public static boolean storedAsText(byte[] payload, String contentType) {
        return textual(contentType) && utf8WithoutNul(payload);
    }

    private static boolean textual(String contentType) {
        String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
        String media = parts[0].strip();
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip();
            if (parameter.startsWith("charset=") && !parameter.equals("charset=utf-8")) {
                return false;
            }
        }
        return media.startsWith("text/")
                || media.equals(JSON)
                || media.endsWith("+json")
                || media.equals("application/xml")
                || media.endsWith("+xml");
    }

    private static boolean utf8WithoutNul(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutboxEvent e
                && id.equals(e.id)
                && aggregateType.equals(e.aggregateType)
                && aggregateId.equals(e.aggregateId)
                && type.equals(e.type)
                && topic.equals(e.topic)
                && Arrays.equals(payload, e.payload)
                && contentType.equals(e.contentType)
                && headers.equals(e.headers)
                && createdAt.equals(e.createdAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                id, aggregateType, aggregateId, type, topic, Arrays.hashCode(payload), contentType, headers, createdAt);
    }

    @Override
    public String toString() {
        return "OutboxEvent[id=" + id + ", aggregateType=" + aggregateType + ", aggregateId=" + aggregateId + ", type="
                + type + ", topic=" + topic + ", payload=" + payload.length + " bytes of " + contentType + ", headers="
                + headers + ", createdAt=" + createdAt + "]";
    }

    private static void requireText(String value, String name, int max) {
        Objects.requireNonNull(value, name);
        if (value.isBlank() || value.length() > max) {
            throw new IllegalArgumentException(name + " must be 1.." + max + " characters");
        }
    }
}
