package io.walletoutbox.provider;

import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One bill payment to send to the biller.
 *
 * @param paymentId the wallet's payment id; sent as the {@code Idempotency-Key}, so every retry of this payment,
 *     by any consumer instance, is the same request to the biller
 * @param customerRef the customer's account at the biller
 * @param amount minor units, positive
 * @param currency ISO 4217 code
 * @param traceparent W3C trace context forwarded as the {@code traceparent} header, or null
 */
public record BillPaymentCall(UUID paymentId, String customerRef, long amount, String currency, String traceparent) {
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    public BillPaymentCall {
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(customerRef, "customerRef");
        Objects.requireNonNull(currency, "currency");
        if (customerRef.isBlank()) {
            throw new IllegalArgumentException("customerRef must not be blank");
        }
        if (amount <= 0) {
            throw new IllegalArgumentException("amount must be positive, was " + amount);
        }
        if (!CURRENCY.matcher(currency).matches()) {
            throw new IllegalArgumentException("currency must be an ISO 4217 code, was " + currency);
        }
    }
}
