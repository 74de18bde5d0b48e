package io.walletoutbox.provider;

import java.time.Instant;
import java.util.UUID;

/**
 * A payment whose outcome at the biller stayed unknown past the consumer's horizon: neither paid nor refunded
 * until an operator settles it with the biller.
 *
 * @param eventId the {@code BillPaymentRequested} event that asked for it
 * @param lastCause why the last attempt was inconclusive
 * @param attempts how many times the consumer asked the biller
 */
public record ReconciliationEntry(
        UUID paymentId,
        UUID eventId,
        String walletId,
        String biller,
        String customerRef,
        long amount,
        String currency,
        String lastCause,
        int attempts,
        Instant firstAttemptAt,
        Instant recordedAt) {}
