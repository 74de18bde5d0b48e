package io.walletoutbox.relay;

import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * How a relay turns a stored outbox event into its Kafka record ({@code RelayConfigBuilder#recordMapping}, {@code
 * CdcConfigBuilder#recordMapping}). Both relays use the same mapping, so a deployment that switches between them
 * (or to Kafka Connect and back, with {@link #DEBEZIUM_OUTBOX}) keeps its records' shape. Whatever the mapping, the
 * relay sends the record to the event's stored topic (checked against the relay's topics before the mapping runs)
 * and publishes each key's events in outbox order; a mapping only decides key, value and headers.
 *
 * <p>Implement it for a shape of your own: {@link #toRecord} must be cheap, pure and thread-safe (the relay calls
 * it on its publishing threads, once per send, again on a retry), must keep {@code event.topic()} as the record's
 * topic and should keep {@code event.aggregateId()} as its key (per-key order is per aggregate id).
 */
public interface RecordMapping {

    /**
     * CloudEvents 1.0 in binary mode, the default: key = aggregate id, value = the payload's bytes, headers {@code
     * ce_specversion}, {@code ce_id} (the event id), {@code ce_type}, {@code ce_source} ({@code /} + aggregate type),
     * {@code ce_time}, {@code content-type} (the event's content type), then the event's own headers in name order ({@link
     * OutboxRecords#toRecord}).
     */
    RecordMapping CLOUD_EVENTS = new RecordMapping() {
        @Override
        public ProducerRecord<String, byte[]> toRecord(StoredEvent event) {
            return OutboxRecords.toRecord(event);
        }

        @Override
        public UUID eventId(Headers headers) {
            return uuid(headers, OutboxRecords.EVENT_ID_HEADER);
        }

        @Override
        public String toString() {
            return "CLOUD_EVENTS";
        }
    };

    /**
     * The records of Debezium's outbox event router ({@code io.debezium.transforms.outbox.EventRouter}) with its
     * default settings: key = aggregate id, value = the payload's bytes, header {@code id} = the event id; then the
     * event's own headers in name order (a {@code traceparent}, so traces continue). A consumer written for records
     * routed by Kafka Connect reads these unchanged, so a team can move between this relay and Debezium's connector
     * in either direction. The router's default topic ({@code outbox.event.<aggregate type>}) is not imitated: the
     * record goes to the event's stored topic, so write that name into the event to keep the router's routing.
     */
    RecordMapping DEBEZIUM_OUTBOX = new RecordMapping() {
        @Override
        public ProducerRecord<String, byte[]> toRecord(StoredEvent event) {
            var headers = new RecordHeaders();
            headers.add(DEBEZIUM_ID_HEADER, event.eventId().toString().getBytes(StandardCharsets.UTF_8));
            OutboxRecords.addOwnHeaders(headers, event);
            return new ProducerRecord<>(event.topic(), null, event.aggregateId(), event.payload(), headers);
        }

        @Override
        public UUID eventId(Headers headers) {
            return uuid(headers, DEBEZIUM_ID_HEADER);
        }

        @Override
        public String toString() {
            return "DEBEZIUM_OUTBOX";
        }
    };

    /** The header in which {@link #DEBEZIUM_OUTBOX} carries the event id, as Debezium's outbox event router does. */
    String DEBEZIUM_ID_HEADER = "id";

    /**
     * The record for {@code event}: its stored topic, and key, value and headers as this mapping shapes them.
     *
     * @param event an event read from the outbox
     * @return the record to send
     */
    ProducerRecord<String, byte[]> toRecord(StoredEvent event);

    /**
     * The event id a record made by this mapping carries in {@code headers}, for consumers and test kits that
     * de-duplicate by it; null when the headers carry none (or not a UUID). A mapping that carries no id answers
     * null.
     *
     * @param headers the headers of a record this mapping made
     * @return the event id, or null
     */
    UUID eventId(Headers headers);

    /** The last value of header {@code name} as a UUID, or null when absent or not a UUID. */
    private static UUID uuid(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        if (header == null || header.value() == null) {
            return null;
        }
        try {
            return UUID.fromString(new String(header.value(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
