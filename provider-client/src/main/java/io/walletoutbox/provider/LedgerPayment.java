package io.walletoutbox.provider;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A bill payment as the ledger holds it: the only source of what is charged (invariant I9). The consumer reads it in
 * the statement that checks the payment's status and calls the biller with these values alone; a Kafka record whose
 * fields differ is dead-lettered ({@link DeadLetterReason#RECORD_MISMATCH}) and never reaches a biller.
 * Reconciliation entries and re-charges take their values from here too.
 *
 * @param paymentId the payment id (the biller's idempotency key)
 * @param walletId the wallet it was debited from (the record key of its events)
 * @param biller the biller it names
 * @param customerRef the customer's account at that biller
 * @param amount minor units, positive
 * @param currency ISO 4217 code
 * @param createdAt when the payment was made: no charge attempt can be older
 * @param status its state in the ledger
 */
public record LedgerPayment(
        UUID paymentId,
        String walletId,
        String biller,
        String customerRef,
        long amount,
        String currency,
        Instant createdAt,
        Status status) {

    /** The payment's state in the ledger. */
    public enum Status {
        PENDING,
        SUCCEEDED,
        FAILED;

        /** True for SUCCEEDED and FAILED. */
        public boolean terminal() {
            return this != PENDING;
        }
    }

    public LedgerPayment {
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(walletId, "walletId");
        Objects.requireNonNull(biller, "biller");
        Objects.requireNonNull(customerRef, "customerRef");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(status, "status");
        if (amount <= 0) {
            throw new IllegalArgumentException("amount must be positive, was " + amount);
        }
    }

    /** The biller call for this payment: the ledger's values, with {@code traceparent} (or null) forwarded. */
    public BillPaymentCall call(String traceparent) {
        return new BillPaymentCall(paymentId, customerRef, amount, currency, traceparent);
    }
}
