package io.walletoutbox.provider.internal;

import io.walletoutbox.outbox.jdbi.JdbiInbox;
import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.LedgerPayment;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProviderException.OutcomeRefused;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.ProviderMetrics.Escalation;
import io.walletoutbox.provider.internal.ReconciliationStore.Opening;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what the biller said about one record's payment: a definite outcome through the recorder (with the inbox
 * row, one transaction), or, for an outcome still unknown past the horizon, the inbox row and a reconciliation
 * entry. A definite answer that contradicts the payment's recorded terminal status moves no money and is loud.
 */
final class OutcomeWriter {
    private static final Logger log = LoggerFactory.getLogger(OutcomeWriter.class);

    /** Thrown inside the transaction to roll it back when a duplicate won the inbox row. */
    static final class DuplicateEvent extends RuntimeException {
        DuplicateEvent() {
            super(null, null, false, false);
        }
    }

    private final Jdbi jdbi;
    private final JdbiInbox inbox;
    private final OutcomeRecorder recorder;
    private final ProviderMetrics metrics;
    private final DatabaseTurns database;
    private final Runnable refreshGauges;

    OutcomeWriter(
            Jdbi jdbi,
            JdbiInbox inbox,
            OutcomeRecorder recorder,
            ProviderMetrics metrics,
            DatabaseTurns database,
            Runnable refreshGauges) {
        this.jdbi = jdbi;
        this.inbox = inbox;
        this.recorder = recorder;
        this.metrics = metrics;
        this.database = database;
        this.refreshGauges = refreshGauges;
    }

    void record(PaymentEvent event, LedgerPayment ledger, BillerOutcome outcome, int attempts, Progress progress)
            throws InterruptedException {
        try {
            switch (outcome) {
                case BillerOutcome.Paid p -> definite(event, ledger, outcome, "PAID " + p.reference());
                case BillerOutcome.Declined d -> definite(event, ledger, outcome, "DECLINED " + d.reason());
                case BillerOutcome.Unknown(var cause) -> unknown(event, ledger, cause, attempts, progress);
                case BillerOutcome.ConfigurationFault f ->
                    throw new IllegalStateException("a configuration fault is retried, never recorded");
                case BillerOutcome.NotCharged n -> throw new IllegalStateException("pay never answers NotCharged");
            }
        } catch (DuplicateEvent e) {
            progress.duplicate = true;
            metrics.duplicate();
            log.debug("a duplicate of eventId={} was recorded first", event.eventId());
        } catch (OutcomeRefused e) {
            throw new PermanentFailure(e.reason(), "the ledger refused the outcome: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (PermanentFailure.isLedgerRefusal(e)) {
                throw new PermanentFailure(
                        io.walletoutbox.provider.DeadLetterReason.LEDGER_REFUSED,
                        "the ledger refused the outcome: " + e,
                        e);
            }
            throw e;
        }
    }

    private void definite(PaymentEvent event, LedgerPayment ledger, BillerOutcome outcome, String answer)
            throws InterruptedException {
        // The inbox entry and the outcome in one transaction of the recorder's (the wallet's: one round trip).
        OutcomeRecorder.Recorded recorded = database.call(
                true,
                () -> recorder.record(
                        jdbi,
                        RecordProcessor.INBOX_CONSUMER,
                        event.eventId(),
                        event.paymentId(),
                        ledger.walletId(),
                        outcome));
        switch (recorded) {
            case DUPLICATE -> throw new DuplicateEvent();
            case UNCHANGED -> settledBefore(event, outcome, answer);
            case CHANGED -> {
                switch (outcome) {
                    case BillerOutcome.Paid(var reference) ->
                        log.info("bill payment paid paymentId={} reference={}", event.paymentId(), reference);
                    case BillerOutcome.Declined(var reason) ->
                        log.info("bill payment declined paymentId={} reason={}", event.paymentId(), reason);
                    default -> {}
                }
            }
        }
    }

    /** The payment was terminal before this answer was recorded: an answer the other way is a contradiction. */
    private void settledBefore(PaymentEvent event, BillerOutcome outcome, String answer) throws InterruptedException {
        Optional<LedgerPayment> now =
                database.call(true, () -> jdbi.withHandle(h -> recorder.payment(h, event.paymentId())));
        boolean paid = outcome instanceof BillerOutcome.Paid;
        if (now.isPresent()
                && now.get().status().terminal()
                && (now.get().status() == LedgerPayment.Status.SUCCEEDED) != paid) {
            database.call(
                    true,
                    () -> jdbi.inTransaction(h -> {
                        Settling.contradiction(
                                h, metrics, now.get(), event.eventId(), event.traceparent(), answer, null);
                        return null;
                    }));
            refreshGauges.run();
            return;
        }
        log.info("payment was settled before paymentId={} outcome={}", event.paymentId(), paid ? "paid" : "declined");
    }

    private void unknown(PaymentEvent event, LedgerPayment ledger, String cause, int attempts, Progress progress)
            throws InterruptedException {
        Instant last = progress.lastAttempt != null ? progress.lastAttempt : Instant.now();
        boolean listed = database.call(
                true,
                () -> jdbi.inTransaction(h -> {
                    if (!inbox.markProcessed(h, RecordProcessor.INBOX_CONSUMER, event.eventId())) {
                        throw new DuplicateEvent();
                    }
                    boolean opened = ReconciliationStore.insert(
                            h,
                            new Opening(
                                    ledger,
                                    event.eventId(),
                                    Escalation.UNKNOWN_OUTCOME,
                                    cause,
                                    attempts,
                                    progress.firstAttempt,
                                    progress.unprovenSince(),
                                    last,
                                    event.traceparent()));
                    if (!opened) { // opened meanwhile (the sweep): it must know of these attempts
                        ReconciliationStore.noteAttempts(h, ledger.paymentId(), progress.unprovenSince(), last);
                        ReconciliationStore.learnTraceparent(h, ledger.paymentId(), event.traceparent());
                    }
                    return opened;
                }));
        log.warn(
                "payment outcome unknown past the horizon, awaiting reconciliation paymentId={} walletId={}"
                        + " attempts={} cause={}",
                event.paymentId(),
                ledger.walletId(),
                attempts,
                cause);
        if (listed) {
            Traces.current().set(Traces.RECONCILIATION_REASON, Escalation.UNKNOWN_OUTCOME.label());
            metrics.escalated(Escalation.UNKNOWN_OUTCOME);
            refreshGauges.run();
        }
    }
}
