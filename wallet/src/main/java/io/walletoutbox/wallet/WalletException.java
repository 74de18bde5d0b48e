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

    /**
     * The payment would take the wallet's bill payments of the current UTC day ({@code PENDING} or {@code
     * SUCCEEDED}) above {@link WalletConfig#dailyPaymentLimit()}. Nothing was written. The API answers {@code 422}
     * (problem type {@code daily-limit-exceeded}); the amounts are in the wallet's minor units.
     */
    public static final class DailyLimitExceeded extends WalletException {
        private final java.util.UUID walletId;
        private final long limit;
        private final long usedToday;
        private final long requested;

        public DailyLimitExceeded(java.util.UUID walletId, long limit, long usedToday, long requested) {
            super("the daily bill-payment limit is " + limit + ": " + usedToday + " already paid today (UTC), "
                    + requested + " requested, at most " + Math.max(0, limit - usedToday) + " more may be paid today");
            this.walletId = java.util.Objects.requireNonNull(walletId, "walletId");
            this.limit = limit;
            this.usedToday = usedToday;
            this.requested = requested;
        }

        /** The wallet whose limit was reached. */
        public java.util.UUID walletId() {
            return walletId;
        }

        /** The daily limit in force. */
        public long limit() {
            return limit;
        }

        /** The amount of the wallet's pending and succeeded bill payments of the current UTC day. */
        public long usedToday() {
            return usedToday;
        }

        /** The refused payment's amount. */
        public long requested() {
            return requested;
        }

        /** What may still be paid today: {@code max(0, limit - usedToday)}. */
        public long remaining() {
            return Math.max(0, limit - usedToday);
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
