package io.walletoutbox.relay.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.relay.OutboxRecords;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Reads the outbox event out of one of Debezium's change events. */
final class ChangeEvents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChangeEvents() {}

    /** A message with the outbox's prefix that is no event of the service's writer (hand-written or forged). */
    static final class Unreadable extends RuntimeException {
        Unreadable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The outbox event in a Debezium change event (JSON, schemas off), or null for anything else (heartbeats).
     * The message's content is the document {@code LogicalMessageOutboxWriter} made; its position is its LSN. A
     * message with another prefix (another outbox's, in the same database) is not this relay's: null.
     *
     * @param prefix the prefix of this outbox's messages, {@code OutboxTables.messagePrefix()}
     * @throws Unreadable for a message with the outbox prefix whose content is not such a document
     * @throws IllegalStateException when the change event itself is not JSON (Debezium's, never a writer's)
     */
    static StoredEvent parse(String value, String prefix) {
        if (value == null) {
            return null;
        }
        try {
            JsonNode root = JSON.readTree(value);
            JsonNode message = root.get("message");
            if (message == null || !prefix.equals(message.path("prefix").asText())) {
                return null;
            }
            long lsn = root.path("source").path("lsn").asLong();
            try {
                return event(
                        lsn,
                        JSON.readTree(Base64.getDecoder()
                                .decode(message.path("content").asText())));
            } catch (IOException | RuntimeException e) {
                throw new Unreadable(
                        "logical message at LSN " + lsn + " with the outbox prefix is no outbox event: " + e, e);
            }
        } catch (IOException e) {
            throw new IllegalStateException("unreadable change event: " + e.getMessage(), e);
        }
    }

    private static StoredEvent event(long lsn, JsonNode e) {
        var headers = new HashMap<String, String>();
        e.path("headers")
                .properties()
                .forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
        long micros = e.get("createdAtMicros").asLong();
        // A payload stored as bytes comes in Base64 (PostgreSQL's encode breaks its lines), with its content type;
        // a JSON event's document (and every one of before, and outbox_append's) has the text and no content type.
        JsonNode base64 = e.get("payloadBase64");
        JsonNode text = e.get("payload");
        byte[] payload;
        if (base64 != null && !base64.isNull()) {
            payload = Base64.getMimeDecoder().decode(base64.asText());
        } else if (text != null && text.isTextual()) {
            payload = text.asText().getBytes(StandardCharsets.UTF_8);
        } else {
            throw new IllegalArgumentException("no payload: neither payload text nor payloadBase64");
        }
        JsonNode contentType = e.get("contentType");
        return new StoredEvent(
                lsn,
                UUID.fromString(e.get("eventId").asText()),
                e.get("aggregateType").asText(),
                e.get("aggregateId").asText(),
                e.get("type").asText(),
                e.get("topic").asText(),
                payload,
                contentType != null && !contentType.isNull() ? contentType.asText() : OutboxRecords.JSON,
                Map.copyOf(headers),
                Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L));
    }
}
