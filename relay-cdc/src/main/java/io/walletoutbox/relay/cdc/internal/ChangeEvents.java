package io.walletoutbox.relay.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Reads the outbox event out of one of Debezium's change events. */
final class ChangeEvents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChangeEvents() {}

    /**
     * The outbox event in a Debezium change event (JSON, schemas off), or null for anything else (heartbeats).
     * The message's content is the document {@code LogicalMessageOutboxWriter} made; its position is its LSN.
     */
    static StoredEvent parse(String value) {
        if (value == null) {
            return null;
        }
        try {
            JsonNode root = JSON.readTree(value);
            JsonNode message = root.get("message");
            if (message == null
                    || !OutboxMode.MESSAGE_PREFIX.equals(message.path("prefix").asText())) {
                return null;
            }
            byte[] content = Base64.getDecoder().decode(message.get("content").asText());
            JsonNode e = JSON.readTree(content);
            var headers = new HashMap<String, String>();
            e.path("headers")
                    .properties()
                    .forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
            long micros = e.get("createdAtMicros").asLong();
            return new StoredEvent(
                    root.path("source").path("lsn").asLong(),
                    UUID.fromString(e.get("eventId").asText()),
                    e.get("aggregateType").asText(),
                    e.get("aggregateId").asText(),
                    e.get("type").asText(),
                    e.get("topic").asText(),
                    e.get("payload").asText(),
                    Map.copyOf(headers),
                    Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L));
        } catch (IOException e) {
            throw new IllegalStateException("unreadable change event: " + e.getMessage(), e);
        }
    }
}
