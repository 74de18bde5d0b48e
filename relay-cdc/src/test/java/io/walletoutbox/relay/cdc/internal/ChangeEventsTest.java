package io.walletoutbox.relay.cdc.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The CDC relay reads an event's payload as the writer stored it: JSON text (with no content type: the documents of
 * before, and of {@code outbox_append}), or bytes in Base64, line-broken as PostgreSQL's {@code encode} writes them,
 * with their content type; a document with neither is refused, not published as the text {@code null}.
 */
class ChangeEventsTest {
    private static final String PREFIX = "walletoutbox.outbox";

    @Test
    void aJsonDocumentOfBeforeIsJsonText() {
        var event = ChangeEvents.parse(changeEvent("\"payload\": \"{\\\"n\\\":1}\""), PREFIX);
        assertEquals("{\"n\":1}", event.payloadText());
        assertEquals("application/json", event.contentType());
    }

    @Test
    void bytesComeInBase64WithTheirContentType() {
        byte[] bytes = new byte[100];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 7);
        }
        String base64 = Base64.getMimeEncoder(76, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(bytes);
        var event = ChangeEvents.parse(
                changeEvent("\"payload\": null, \"payloadBase64\": \"" + base64.replace("\n", "\\n")
                        + "\", \"contentType\": \"application/x-protobuf\""),
                PREFIX);
        assertArrayEquals(bytes, event.payload());
        assertEquals("application/x-protobuf", event.contentType());
    }

    @Test
    void aDocumentWithoutAPayloadIsUnreadable() {
        assertThrows(
                ChangeEvents.Unreadable.class,
                () -> ChangeEvents.parse(changeEvent("\"payload\": null, \"payloadBase64\": null"), PREFIX));
    }

    /** Debezium's change event of a logical message whose document has {@code payloadFields}. */
    private static String changeEvent(String payloadFields) {
        String document = """
                {"eventId": "7f3c1a52-3c4e-4a7e-9d2b-0c1f6f0d9a11", "aggregateType": "Order", "aggregateId": "o-1",
                 "type": "OrderPlaced", "topic": "orders", %s, "headers": {},
                 "createdAtMicros": 1700000000000000}""".formatted(payloadFields);
        String content = Base64.getEncoder().encodeToString(document.getBytes(StandardCharsets.UTF_8));
        return """
                {"op": "m", "source": {"lsn": 1}, "message": {"prefix": "%s", "content": "%s"}}""".formatted(PREFIX, content);
    }
}
