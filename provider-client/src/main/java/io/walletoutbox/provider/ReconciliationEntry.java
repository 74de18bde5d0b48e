package io.walletoutbox.provider;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A payment neither paid nor refunded that the consumer handed over to reconciliation: the reconciliation job
 * asks its biller again (with backoff) and settles it on a definite answer; an operator may settle it by hand
 * ({@link Reconciliation#resolve}).
 *
 * @param eventId the {@code BillPaymentRequested} event that asked for it
 * @param lastCause why the last attempt (the consumer's, then the job's) was inconclusive
 * @param attempts how many times the consumer asked the biller (or tried to record) before handing it over
 * @param firstAttemptAt the consumer's first attempt; the biller's key retention counts from it
 * @param recordedAt when it was handed over
 * @param reason why it was handed over: {@code unknown-outcome} (the biller's answer stayed unknown past the
 *     horizon), {@code transient-failure} (recording kept failing past the consumer's bound), {@code
 *     ledger-refused} (the ledger refused the outcome), {@code unknown-biller} (the payment's biller is not
 *     configured)
 * @param checks how many times the job has asked the biller since
 * @param recharges how many times the job charged again with the same key (the biller had no payment under it)
 * @param lastCheckedAt the job's last question, if any
 * @param nextCheckAt when the job asks next
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
        Instant recordedAt,
        String reason,
        int checks,
        int recharges,
        Optional<Instant> lastCheckedAt,
        Instant nextCheckAt) {

    public ReconciliationEntry {
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(lastCheckedAt, "lastCheckedAt");
    }

    /** What settles this entry, in a sentence for the operator's listing. */
    public String action() {
        return switch (reason) {
            case "unknown-biller" ->
                "configure biller '" + biller + "' (the job then asks it and settles the payment), or resolve by hand"
                        + " after settling it with the biller";
            case "ledger-refused" ->
                "the ledger refused the outcome (see lastCause): fix the cause, after which the job settles it, or"
                        + " resolve by hand";
            default ->
                "none needed while the biller answers: the job asks it and settles the payment; if the biller cannot"
                        + " tell, settle it with the biller and resolve by hand";
        };
    }
}
