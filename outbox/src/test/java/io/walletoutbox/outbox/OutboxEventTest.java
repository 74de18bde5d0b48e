package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutboxEventTest {
    record Placed(String orderId, List<String> items, long cents) {}

    @Test
    void aStringPayloadIsJsonTextAndTheJsonHelperWritesAValueWithJackson() {
        var text = OutboxEvent.of("Order", "o-1", "OrderPlaced", "shop.orders", "{\"orderId\":\"o-1\"}");
        assertEquals(OutboxEvent.JSON, text.contentType());
        assertEquals("{\"orderId\":\"o-1\"}", text.payloadText());
        assertTrue(text.storedAsText());

        var json = OutboxEvent.json("Order", "o-1", "OrderPlaced", "shop.orders", new Placed("o-1", List.of("a"), 250));
        assertEquals("{\"orderId\":\"o-1\",\"items\":[\"a\"],\"cents\":250}", json.payloadText());
        assertEquals(OutboxEvent.JSON, json.contentType());
        assertThrows(
                IllegalArgumentException.class,
                () -> OutboxEvent.json("Order", "o-1", "OrderPlaced", "shop.orders", new Object()));
    }

    @Test
    void bytesAreStoredAsTextOnlyWhenTheTypeIsTextualAndTheyAreUtf8WithoutNul() {
        byte[] utf8 = "héllo".getBytes(StandardCharsets.UTF_8);
        assertTrue(event(utf8, "text/plain").storedAsText());
        assertTrue(event(utf8, "application/cloudevents+json; charset=UTF-8").storedAsText());
        assertTrue(event(utf8, "application/xml").storedAsText());
        assertFalse(event(utf8, "text/plain; charset=ISO-8859-1").storedAsText(), "another charset is bytes");
        assertFalse(event(utf8, "application/x-protobuf").storedAsText(), "a binary type is bytes");
        assertFalse(event(new byte[] {'a', 0, 'b'}, "text/plain").storedAsText(), "text cannot hold NUL");
        assertFalse(event(new byte[] {(byte) 0xC3, 0x28}, OutboxEvent.JSON).storedAsText(), "malformed UTF-8");
    }

    @Test
    void thePayloadIsCopiedInAndOutAndTakesPartInEquality() {
        byte[] bytes = {1, 2, 3};
        var event = event(bytes, "application/octet-stream");
        bytes[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, event.payload(), "copied in");
        event.payload()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, event.payload(), "copied out");
        var same = new OutboxEvent(
                event.id(),
                "Order",
                "o-1",
                "T",
                "t",
                new byte[] {1, 2, 3},
                "application/octet-stream",
                Map.of(),
                event.createdAt());
        assertEquals(event, same);
        assertEquals(event.hashCode(), same.hashCode());
        assertNotEquals(
                event,
                new OutboxEvent(
                        event.id(),
                        "Order",
                        "o-1",
                        "T",
                        "t",
                        new byte[] {1, 2, 4},
                        "application/octet-stream",
                        Map.of(),
                        event.createdAt()));
        assertTrue(event.toString().contains("3 bytes of application/octet-stream"), event.toString());
        assertEquals(
                event.payload().length, event.withHeader("traceparent", "x").payload().length);
        assertEquals(
                "application/octet-stream", event.withHeader("traceparent", "x").contentType());
    }

    @Test
    void aContentTypeMustBeAPrintableHeaderValue() {
        assertThrows(IllegalArgumentException.class, () -> event(new byte[0], " "));
        assertThrows(IllegalArgumentException.class, () -> event(new byte[0], "text/plain\r\nX-Evil: 1"));
        assertThrows(IllegalArgumentException.class, () -> event(new byte[0], "é/é"));
        assertThrows(
                IllegalArgumentException.class,
                () -> event(new byte[OutboxEvent.MAX_PAYLOAD_BYTES + 1], "application/octet-stream"));
    }

    private static OutboxEvent event(byte[] payload, String contentType) {
        return OutboxEvent.of("Order", "o-1", "T", "t", payload, contentType);
    }
}
