package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.BillerClient;
import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.LedgerPayment;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.ReconciliationConfig;
import io.walletoutbox.provider.ReconciliationEntry;
import io.walletoutbox.provider.ReconciliationJob;
import io.walletoutbox.provider.internal.ReconciliationStore.Row;
import io.walletoutbox.provider.internal.ReconciliationStore.Settlement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The reconciliation job's work on one claimed entry. Every decision is made in a transaction that holds the
 * entry's row lock (so an operator's resolve waits or is told to come back, never races it): ask the biller, then
 * settle, reschedule, or charge again. A re-charge commits its attempt first (so a crash leaves the attempt on
 * record), then sends the charge and settles it under the lock again, with the values the ledger holds.
 */
final class EntryCheck {
    private static final Logger log = LoggerFactory.getLogger(EntryCheck.class);

    private enum Next {
        DONE,
        CHARGE_AGAIN
    }

    private final ReconciliationConfig config;
    private final Jdbi jdbi;
    private final Billers billers;
    private final OutcomeRecorder recorder;
    private final ProviderMetrics metrics;
    private final Backoff backoff;

    EntryCheck(
            ReconciliationConfig config,
            Jdbi jdbi,
            Billers billers,
            OutcomeRecorder recorder,
            ProviderMetrics metrics) {
        this.config = config;
        this.jdbi = jdbi;
        this.billers = billers;
        this.recorder = recorder;
        this.metrics = metrics;
        this.backoff = new Backoff(config.recheckInterval(), config.recheckMax());
    }

    /**
     * One entry: ask, then settle, charge again, or reschedule. Never throws. The attempt is a {@code reconcile
     * payment} span of its own trace, linked to the payment's; its biller requests are children of it.
     */
    void work(Row claimed) {
        ReconciliationEntry e = claimed.entry();
        MDC.put("paymentId", e.paymentId().toString());
        MDC.put("walletId", e.walletId());
        Traces.Span span = Traces.reconcile(claimed.traceparent());
        span.set(Traces.PAYMENT_ID, e.paymentId().toString())
                .set(Traces.RECONCILIATION_REASON, e.reason())
                .set(Traces.RECONCILIATION_HOW, "job")
                .set(Traces.BILLER_ID, e.biller());
        try (Traces.Scope scope = span.makeCurrent()) {
            if (jdbi.inTransaction(h -> decide(h, e.paymentId())) == Next.CHARGE_AGAIN) {
                span.event("charge again");
                jdbi.useTransaction(h -> chargeAgain(h, e.paymentId()));
            }
        } catch (RuntimeException ex) {
            span.set(Traces.RECONCILIATION_DECISION, "failed").error("reconciliation check failed: " + ex, ex);
            log.warn("reconciliation check failed, will retry paymentId={} error={}", e.paymentId(), ex.toString());
            try {
                jdbi.useTransaction(h -> reschedule(h, e, "checking or recording failed: " + ex, delay(e)));
            } catch (RuntimeException again) {
                // The lease expires and the entry is claimed again then.
                log.warn(
                        "cannot reschedule reconciliation entry paymentId={} error={}",
                        e.paymentId(),
                        again.toString());
            }
        } finally {
            span.end();
            MDC.remove("paymentId");
            MDC.remove("walletId");
        }
    }

    private Next decide(Handle h, UUID paymentId) {
        Optional<Row> locked = ReconciliationStore.load(h, paymentId, true);
        if (locked.isEmpty() || locked.get().resolved()) {
            decision("already-resolved");
            return Next.DONE;
        }
        Row row = locked.get();
        ReconciliationEntry e = row.entry();
        Optional<BillerClient> client = billers.client(e.biller());
        if (client.isEmpty()) {
            reschedule(
                    h,
                    e,
                    "biller '" + e.biller() + "' is not configured: configure it, or resolve by hand",
                    config.recheckMax());
            return Next.DONE;
        }
        BillerOutcome answer = client.get().status(e.paymentId());
        switch (answer) {
            case BillerOutcome.Paid(var reference) -> settle(h, row, Settlement.PAID, reference, "PAID " + reference);
            case BillerOutcome.Declined(var reason) -> settle(h, row, Settlement.DECLINED, reason, "DECLINED");
            case BillerOutcome.NotCharged n -> {
                return notCharged(h, row);
            }
            case BillerOutcome.Unknown(var cause) -> reschedule(h, e, "status unknown: " + cause, delay(e));
            case BillerOutcome.ConfigurationFault f ->
                reschedule(h, e, "biller configuration fault " + f.status() + ": " + f.cause(), delay(e));
        }
        return Next.DONE;
    }

    private Next notCharged(Handle h, Row row) {
        ReconciliationEntry e = row.entry();
        var c = billers.config(e.biller()).orElseThrow();
        ChargeProof proof = new ChargeProof(c.keyRetention(), c.inFlightBound());
        Instant now = Instant.now();
        if (!proof.withinRetention(row.unprovenSince(), now)) {
            reschedule(
                    h,
                    e,
                    "the biller has no payment under this key, but its key retention (" + c.keyRetention()
                            + ") has passed since an attempt at "
                            + row.unprovenSince().orElseThrow()
                            + " that may have charged: settle it with the biller and resolve by hand",
                    config.recheckMax());
            return Next.DONE;
        }
        Optional<Instant> inFlight = proof.inFlightUntil(e, now);
        if (inFlight.isPresent()) {
            // A 404 now proves nothing: the last attempt may still land. Ask again once it cannot.
            reschedule(
                    h,
                    e,
                    "the biller has no payment under this key yet, but an attempt may land until " + inFlight.get(),
                    Duration.between(now, inFlight.get()).plusMillis(1));
            return Next.DONE;
        }
        if ("discarded".equals(e.reason()) || !proof.mayChargeAgain(e, now)) {
            String why = "discarded".equals(e.reason())
                    ? "its event was discarded by an operator and never reached the biller"
                    : "charging again could outlast the biller's key retention (" + c.keyRetention()
                            + ") since the first attempt";
            settle(
                    h,
                    row,
                    Settlement.NOT_CHARGED,
                    "not charged: the biller has no payment under this key and no attempt can still land; " + why
                            + "; refunded",
                    "NOT_CHARGED");
            return Next.DONE;
        }
        // Proven never charged, nothing in flight, and the biller remembers the key for the whole window of the new
        // attempt: charging again with the same key cannot charge twice. The attempt is committed first.
        if (!ReconciliationStore.beforeRecharge(h, e.paymentId(), now)) {
            decision("already-resolved");
            return Next.DONE;
        }
        decision("charge-again");
        return Next.CHARGE_AGAIN;
    }

    private void chargeAgain(Handle h, UUID paymentId) {
        Optional<Row> locked = ReconciliationStore.load(h, paymentId, true);
        if (locked.isEmpty() || locked.get().resolved()) {
            decision("already-resolved");
            return; // an operator resolved it between the two transactions
        }
        Row row = locked.get();
        ReconciliationEntry e = row.entry();
        LedgerPayment payment = recorder.payment(h, paymentId)
                .orElseThrow(() -> new IllegalStateException("the ledger has no payment " + paymentId));
        if (payment.status().terminal()) {
            Settlement agreed =
                    payment.status() == LedgerPayment.Status.SUCCEEDED ? Settlement.PAID : Settlement.DECLINED;
            settle(
                    h,
                    row,
                    agreed,
                    "settled meanwhile as " + payment.status(),
                    payment.status().name());
            return;
        }
        BillerClient client = billers.client(payment.biller()).orElseThrow();
        log.info("reconciliation charges again with the same key paymentId={} biller={}", paymentId, payment.biller());
        // The ledger's values only (I9): never the entry's copy, never a record's.
        BillerOutcome outcome = client.pay(payment.call(null));
        switch (outcome) {
            case BillerOutcome.Paid(var reference) -> settle(h, row, Settlement.PAID, reference, "PAID " + reference);
            case BillerOutcome.Declined(var reason) -> settle(h, row, Settlement.DECLINED, reason, "DECLINED");
            case BillerOutcome.NotCharged n -> reschedule(h, e, "charge again: " + n.cause(), delay(e));
            case BillerOutcome.Unknown(var cause) ->
                reschedule(h, e, "charged again, outcome unknown: " + cause, delay(e));
            case BillerOutcome.ConfigurationFault f ->
                reschedule(
                        h, e, "charged again, biller configuration fault " + f.status() + ": " + f.cause(), delay(e));
        }
    }

    private void settle(Handle h, Row row, Settlement settlement, String detail, String answer) {
        ReconciliationEntry e = row.entry();
        Settling.Result result = Settling.settle(
                h, recorder, e.paymentId(), settlement, detail, "job", ReconciliationJob.ACTOR, Instant.now());
        if (result == Settling.Result.CONTRADICTS_LEDGER) {
            LedgerPayment payment = recorder.payment(h, e.paymentId()).orElseThrow();
            Settling.contradiction(h, metrics, payment, e.eventId(), row.traceparent(), answer, row);
            decision("contradiction");
            return;
        }
        decision(settlement.metricLabel());
        metrics.resolved("job", settlement.metricLabel());
        log.info(
                "reconciliation entry resolved by the job paymentId={} outcome={} moneyMoved={} detail={}",
                e.paymentId(),
                settlement,
                result == Settling.Result.SETTLED,
                detail);
    }

    private Duration delay(ReconciliationEntry e) {
        return backoff.delay(
                Math.min(e.checks() + 1, 30), ThreadLocalRandom.current().nextDouble());
    }

    /** The attempt's decision on its span: the settlement, {@code recheck}, {@code charge-again}, … */
    private static void decision(String decision) {
        Traces.current().set(Traces.RECONCILIATION_DECISION, decision);
    }

    private static void reschedule(Handle h, ReconciliationEntry e, String cause, Duration delay) {
        decision("recheck");
        Instant now = Instant.now();
        ReconciliationStore.reschedule(h, e.paymentId(), cause, now, now.plus(delay));
        log.debug("reconciliation entry asked again later paymentId={} in={} cause={}", e.paymentId(), delay, cause);
    }
}
