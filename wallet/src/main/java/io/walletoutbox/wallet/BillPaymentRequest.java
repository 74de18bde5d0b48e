package io.walletoutbox.wallet;

import java.util.Objects;

/**
 * What to pay: {@code amount} minor units to {@code biller} for the customer account {@code customerRef}.
 * Validated here: biller and customerRef are 1..64 printable characters, amount 1..{@link Money#MAX_AMOUNT}.
 */
public record BillPaymentRequest(String biller, String customerRef, long amount) {
    public BillPaymentRequest {
        Objects.requireNonNull(biller, "biller");
        Objects.requireNonNull(customerRef, "customerRef");
        Money.requireText(biller, "biller");
        Money.requireText(customerRef, "customerRef");
        Money.requireAmount(amount);
    }
}
