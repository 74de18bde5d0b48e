package io.walletoutbox.wallet;

/** Root of the wallet module's exceptions; the leaves say what a client did wrong or what is missing. */
public class WalletException extends RuntimeException {
    public WalletException(String message) {
        super(message);
    }

    public WalletException(String message, Throwable cause) {
        super(message, cause);
    }

    /** No wallet with that id. */
    public static final class WalletNotFound extends WalletException {
        public WalletNotFound(java.util.UUID id) {
            super("no wallet " + id);
        }
    }

    /** No payment with that id. */
    public static final class PaymentNotFound extends WalletException {
        public PaymentNotFound(java.util.UUID id) {
            super("no bill payment " + id);
        }
    }

    /** The balance is below the amount. */
    public static final class InsufficientFunds extends WalletException {
        public InsufficientFunds(String message) {
            super(message);
        }
    }

    /** An amount (or a resulting balance) is outside 1..{@link Money#MAX_AMOUNT}. */
    public static final class AmountOutOfRange extends WalletException {
        public AmountOutOfRange(String message) {
            super(message);
        }
    }

    /** Not an ISO 4217 currency, or not the wallet's currency. */
    public static final class InvalidCurrency extends WalletException {
        public InvalidCurrency(String message) {
            super(message);
        }
    }

    /** A text field is empty, too long or has control characters. */
    public static final class InvalidField extends WalletException {
        public InvalidField(String message) {
            super(message);
        }
    }

    /** A transactions cursor that this service did not make. */
    public static final class InvalidCursor extends WalletException {
        public InvalidCursor() {
            super("cursor is not valid");
        }
    }

    /** An {@code Idempotency-Key} that is empty, too long or not printable ASCII. */
    public static final class InvalidIdempotencyKey extends WalletException {
        public InvalidIdempotencyKey(String message) {
            super(message);
        }
    }
}
