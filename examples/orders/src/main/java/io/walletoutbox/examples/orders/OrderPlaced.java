package io.walletoutbox.examples.orders;

/**
 * The event the shop publishes when an order is placed, on {@link Orders#TOPIC} with the order id as the key. Its
 * JSON form is the record's value: {@code {"orderId":…,"customer":…,"amountCents":…}}.
 *
 * @param orderId the order's id, 1..64 characters; the Kafka key
 * @param customer who placed it, 1..200 characters
 * @param amountCents the amount, in cents; positive
 */
public record OrderPlaced(String orderId, String customer, long amountCents) {
    /** The event type ({@code ce_type} of the record). */
    public static final String TYPE = "OrderPlaced";

    public OrderPlaced {
        Orders.requireText(orderId, "orderId", 64);
        Orders.requireText(customer, "customer", 200);
        if (amountCents <= 0) {
            throw new IllegalArgumentException("amountCents must be positive, was " + amountCents);
        }
    }

    /** The event as JSON text, the record's value. */
    public String toJson() {
        return Json.write(this);
    }

    /** The event read back from {@link #toJson()}'s text (a consumer's view). */
    public static OrderPlaced fromJson(String json) {
        return Json.read(json, OrderPlaced.class);
    }
}
