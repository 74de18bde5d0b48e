package io.walletoutbox.wallet;

/**
 * The events the wallet appends to the outbox: topic {@link WalletConfig#eventsTopic()}, aggregate type {@value
 * #AGGREGATE_TYPE}, aggregate id (the Kafka key) the wallet id, value a JSON object. Amounts are integers in minor
 * units, ids UUID strings; the event's time is the outbox event's {@code createdAt} ({@code ce_time}).
 *
 * <ul>
 *   <li>{@value #BILL_PAYMENT_REQUESTED}: {@code {"paymentId","walletId","biller","customerRef","amount","currency"}};
 *       a {@code traceparent} header when the request carried one.
 *   <li>{@value #BILL_PAYMENT_SUCCEEDED}: {@code {"paymentId","walletId","amount","currency","providerReference"}}.
 *   <li>{@value #BILL_PAYMENT_FAILED}: {@code {"paymentId","walletId","amount","currency","reason"}};
 *       the amount was refunded to the wallet in the same transaction.
 * </ul>
 */
public final class WalletEvents {
    private WalletEvents() {}

    /** The outbox aggregate type of every wallet event. */
    public static final String AGGREGATE_TYPE = "Wallet";

    /** A payment was debited and waits for the biller. */
    public static final String BILL_PAYMENT_REQUESTED = "BillPaymentRequested";

    /** The biller was paid; the money moved from clearing to settlement. */
    public static final String BILL_PAYMENT_SUCCEEDED = "BillPaymentSucceeded";

    /** The biller declined for good; the wallet was refunded. */
    public static final String BILL_PAYMENT_FAILED = "BillPaymentFailed";
}
