package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.LedgerPayment;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.ProviderMetrics.Escalation;
import io.walletoutbox.provider.internal.ReconciliationStore.Opening;
import io.walletoutbox.provider.internal.ReconciliationStore.Row;
import io.walletoutbox.provider.internal.ReconciliationStore.Settlement;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles a reconciliation entry through the recorder, in the caller's transaction with the entry's row locked,
 * after checking the ledger: an answer that contradicts the payment's recorded terminal status moves no money.
 */
final class Settling {
    private static final Logger log = LoggerFactory.getLogger(Settling.class);

    /** What {@link #settle} did. */
    enum Result {
        /** The payment was settled or refunded, and the entry resolved. */
        SETTLED,
        /** The ledger had the payment settled that way already: the entry was resolved, no money moved. */
        ALREADY_SETTLED,
        /** The ledger has the payment settled the other way: nothing was written. */
        CONTRADICTS_LEDGER
    }

    private Settling() {}

    static Result settle(
            Handle h,
            OutcomeRecorder recorder,
            UUID paymentId,
            Settlement settlement,
            String detail,
            String how,
            String actor,
            Instant now) {
        Optional<LedgerPayment> ledger = recorder.payment(h, paymentId);
        if (ledger.isPresent() && ledger.get().status().terminal()) {
            if (!settlement.agreesWith(ledger.get().status())) {
                return Result.CONTRADICTS_LEDGER;
            }
            ReconciliationStore.markResolved(h, paymentId, settlement, detail, how, actor, now);
            return Result.ALREADY_SETTLED;
        }
        boolean changed = switch (settlement) {
            case PAID -> recorder.paid(h, paymentId, new BillerOutcome.Paid(detail).reference());
            case DECLINED, NOT_CHARGED -> recorder.declined(h, paymentId, new BillerOutcome.Declined(detail).reason());
        };
        ReconciliationStore.markResolved(h, paymentId, settlement, detail, how, actor, now);
        return changed ? Result.SETTLED : Result.ALREADY_SETTLED;
    }

    /**
     * Records that a biller's answer ({@code answer}, for {@code payment}) contradicts the ledger: the entry becomes
     * a {@code contradiction}, counted and logged at ERROR; no money moves. In the caller's transaction. {@code
     * traceparent}: the payment's trace context, for an entry that had none (or null).
     */
    static void contradiction(
            Handle h,
            ProviderMetrics metrics,
            LedgerPayment payment,
            UUID eventId,
            String traceparent,
            String answer,
            Row existing) {
        Instant now = Instant.now();
        String cause =
                "contradiction: the biller answered " + answer + " but the ledger has the payment " + payment.status();
        Instant first =
                existing == null ? payment.createdAt() : existing.entry().firstAttemptAt();
        ReconciliationStore.contradiction(
                h, new Opening(payment, eventId, Escalation.CONTRADICTION, cause, 1, first, first, now, traceparent));
        Traces.current().set(Traces.RECONCILIATION_REASON, Escalation.CONTRADICTION.label());
        metrics.contradiction();
        metrics.escalated(Escalation.CONTRADICTION);
        log.error(
                "biller answer contradicts the ledger, no money moved; payment in reconciliation paymentId={}"
                        + " walletId={} status={} answer={}",
                payment.paymentId(),
                payment.walletId(),
                payment.status(),
                answer);
    }
}
