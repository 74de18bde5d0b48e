package io.walletoutbox.examples.orders;

/**
 * The event the shop publishes when an order is cancelled, after the order's {@link OrderPlaced} and with the same
 * key. JSON: {@code {"orderId":…}}.
 *
 * @param orderId the order's id; the Kafka key
 */
public record OrderCancelled(String orderId) {
    /** The event type ({@code ce_type} of the record). */
    public static final String TYPE = "OrderCancelled";

    public OrderCancelled {
        Orders.requireText(orderId, "orderId", 64);
    }

    /** The event as JSON text, the record's value. */
    public String toJson() {
        return Json.write(this);
    }

    /** The event read back from {@link #toJson()}'s text. */
    public static OrderCancelled fromJson(String json) {
        return Json.read(json, OrderCancelled.class);
    }
}
