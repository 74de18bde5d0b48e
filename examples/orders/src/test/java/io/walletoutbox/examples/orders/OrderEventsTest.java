package io.walletoutbox.examples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class OrderEventsTest {

    @Test
    void eventsAreJsonOfTheirFieldsAndReadBack() {
        var placed = new OrderPlaced("order-1", "Zoë \"Z\" Müller", 1250);
        var cancelled = new OrderCancelled("order-1");

        assertEquals(
                "{\"orderId\":\"order-1\",\"customer\":\"Zoë \\\"Z\\\" Müller\",\"amountCents\":1250}",
                placed.toJson());
        assertEquals(placed, OrderPlaced.fromJson(placed.toJson()));
        assertEquals("{\"orderId\":\"order-1\"}", cancelled.toJson());
        assertEquals(cancelled, OrderCancelled.fromJson(cancelled.toJson()));
    }

    @Test
    void invalidValuesAreRefusedBeforeAnyWrite() {
        assertThrows(IllegalArgumentException.class, () -> new OrderPlaced("", "alice", 100));
        assertThrows(IllegalArgumentException.class, () -> new OrderPlaced("o".repeat(65), "alice", 100));
        assertThrows(IllegalArgumentException.class, () -> new OrderPlaced("order-1", " ", 100));
        assertThrows(IllegalArgumentException.class, () -> new OrderPlaced("order-1", "alice", 0));
        assertThrows(NullPointerException.class, () -> new OrderPlaced(null, "alice", 100));
        assertThrows(IllegalArgumentException.class, () -> new OrderCancelled(""));
    }
}
