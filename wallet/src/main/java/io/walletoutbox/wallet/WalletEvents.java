package io.walletoutbox.wallet;

/**
 * The events the wallet appends to the outbox: topic {@link WalletConfig#eventsTopic()}, aggregate type {@value
 * #AGGREGATE_TYPE}, aggregate id (the Kafka key) the wallet id, value a JSON object. Amounts are integers in minor
 * units, ids UUID strings; the event's time is the outbox event's {@code createdAt} ({@code ce_time}).
 *
 * <ul>
 *   <li>{@value #BILL_PAYMENT_REQUESTED}: {@code {"paymentId","walletId","biller","customerRef","amount","currency"}};
 *       a {@code traceparent} header: with tracing on, the context of the append's {@code create} span (child of
 *       the current span, else of the request's {@code traceparent}); without, the request's, when it carried one.
 *   <li>{@value #BILL_PAYMENT_SUCCEEDED}: {@code {"paymentId","walletId","amount","currency","providerReference"}}.
 *   <li>{@value #BILL_PAYMENT_FAILED}: {@code {"paymentId","walletId","amount","currency","reason"}};
 *       the amount was refunded to the wallet in the same transaction.
 * </ul>
 *
 * <p>An outcome event ({@value #BILL_PAYMENT_SUCCEEDED}, {@value #BILL_PAYMENT_FAILED}) carries the current span's
 * context as its {@code traceparent} when a span is current where the outcome is recorded (the consumer's, a
 * reconciliation's); none otherwise. See docs/tracing.md.
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
