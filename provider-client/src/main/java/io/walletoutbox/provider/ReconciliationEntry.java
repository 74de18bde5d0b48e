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
 * @param eventId the {@code BillPaymentRequested} event that asked for it, or null when no consumed event opened
 *     the entry ({@code discarded}, {@code no-progress})
 * @param lastCause why the last attempt (the consumer's, then the job's) was inconclusive
 * @param attempts how many times the consumer asked the biller (or tried to record) before handing it over
 * @param firstAttemptAt the consumer's first attempt; the biller's key retention counts from it
 * @param recordedAt when it was handed over
 * @param reason why it was handed over: {@code unknown-outcome} (the biller's answer stayed unknown past the
 *     horizon), {@code transient-failure} (recording kept failing past the consumer's bound), {@code
 *     ledger-refused} (the ledger refused the outcome), {@code unknown-biller} (the payment's biller is not
 *     configured), {@code discarded} (an operator discarded its parked event), {@code unparseable} and {@code
 *     unknown-event-type} (its own event was dead-lettered), {@code no-progress} (PENDING past {@code
 *     RECONCILIATION_AFTER} with no entry), {@code contradiction} (a biller answer contradicts its recorded
 *     terminal status or a settled entry; only an operator settles it)
 * @param checks how many times the job has asked the biller since
 * @param recharges how many times the job charged again with the same key (the biller had no payment under it)
 * @param lastCheckedAt the job's last question, if any
 * @param nextCheckAt when the job asks next
 * @param lastAttemptAt the latest moment a charge attempt under the payment's key may have been sent, if any may
 *     have been: until the biller's {@linkplain BillerClientConfig#inFlightBound() in-flight bound} has passed
 *     since then, a 404 from the biller proves nothing and the payment cannot be declined
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
        Instant nextCheckAt,
        Optional<Instant> lastAttemptAt) {

    public ReconciliationEntry {
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(lastCheckedAt, "lastCheckedAt");
        Objects.requireNonNull(lastAttemptAt, "lastAttemptAt");
    }

    /** What settles this entry, in a sentence for the operator's listing. */
    public String action() {
        return switch (reason) {
            case "unknown-biller" ->
                "configure biller '" + biller + "' (the job then asks it and settles the payment), or resolve by hand"
                        + " after settling it with the biller";
            case "contradiction" ->
                "the biller's answer contradicts the ledger (see lastCause; no money moved): settle it with the biller"
                        + " by hand, then resolve with the outcome the ledger records";
            case "discarded" ->
                "its event was discarded and never reached the biller: the job refunds it once the biller confirms"
                        + " it has no charge; or resolve by hand";
            case "ledger-refused" ->
                "the ledger refused the outcome (see lastCause): fix the cause, after which the job settles it, or"
                        + " resolve by hand";
            default ->
                "none needed while the biller answers: the job asks it and settles the payment; if the biller cannot"
                        + " tell, settle it with the biller and resolve by hand";
        };
    }
}
