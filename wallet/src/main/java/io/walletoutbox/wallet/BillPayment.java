package io.walletoutbox.wallet;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** A bill payment and where it stands. {@code providerReference} is set when SUCCEEDED, {@code failureReason} when FAILED. */
public record BillPayment(
        UUID id,
        UUID walletId,
        String biller,
        String customerRef,
        long amount,
        String currency,
        Status status,
        Optional<String> providerReference,
        Optional<String> failureReason,
        Instant createdAt,
        Optional<Instant> completedAt) {

    /** {@code PENDING → SUCCEEDED | FAILED}; nothing else. */
    public enum Status {
        PENDING,
        SUCCEEDED,
        FAILED
    }
}
