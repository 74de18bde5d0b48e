package io.walletoutbox.examples.orders;

/** Why {@link Orders} could not do what it was asked; nothing was committed. */
public class OrdersException extends RuntimeException {
    public OrdersException(String message, Throwable cause) {
        super(message, cause);
    }

    /** An order with this id exists already; the transaction was rolled back and no event was written. */
    public static final class DuplicateOrderException extends OrdersException {
        public DuplicateOrderException(String orderId, Throwable cause) {
            super("order " + orderId + " exists already", cause);
        }
    }

    /** No order with this id is open (none was placed, or it is cancelled already); nothing was written. */
    public static final class NotCancellableException extends OrdersException {
        public NotCancellableException(String orderId) {
            super("order " + orderId + " is unknown or cancelled already", null);
        }
    }
}
