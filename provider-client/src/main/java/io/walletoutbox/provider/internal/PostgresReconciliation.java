package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.BillerClient;
import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.LedgerPayment;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.ProviderMetrics.Escalation;
import io.walletoutbox.provider.Reconciliation;
import io.walletoutbox.provider.ReconciliationEntry;
import io.walletoutbox.provider.ResolveResult;
import io.walletoutbox.provider.internal.ReconciliationStore.Opening;
import io.walletoutbox.provider.internal.ReconciliationStore.Row;
import io.walletoutbox.provider.internal.ReconciliationStore.Settlement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code provider_reconciliation} table as operators see it: the listing, resolve, and discarded payments. */
public final class PostgresReconciliation implements Reconciliation {
    private static final Logger log = LoggerFactory.getLogger(PostgresReconciliation.class);

    private final Jdbi jdbi;
    private final Billers billers;
    private final OutcomeRecorder recorder;
    private final ProviderMetrics metrics;

    public PostgresReconciliation(Jdbi jdbi, Billers billers, OutcomeRecorder recorder, ProviderMetrics metrics) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.billers = Objects.requireNonNull(billers, "billers");
        this.recorder = Objects.requireNonNull(recorder, "recorder");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public List<ReconciliationEntry> pending(int limit) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be 1..1000, was " + limit);
        }
        return jdbi.withHandle(h -> h.createQuery("SELECT " + ReconciliationStore.COLUMNS + """
                         FROM provider_reconciliation
                        WHERE resolved_at IS NULL
                        ORDER BY recorded_at, payment_id
                        LIMIT :limit""")
                .bind("limit", limit)
                .map((rs, ctx) -> ReconciliationStore.row(rs, ctx).entry())
                .list());
    }

    @Override
    public long countPending() {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT count(*) FROM provider_reconciliation WHERE resolved_at IS NULL")
                        .mapTo(Long.class)
                        .one());
    }

    @Override
    public Optional<ReconciliationEntry> find(UUID paymentId) {
        Objects.requireNonNull(paymentId, "paymentId");
        return jdbi.withHandle(
                h -> ReconciliationStore.load(h, paymentId, false).map(Row::entry));
    }

    @Override
    public ResolveResult resolve(
            Handle handle,
            UUID paymentId,
            Resolution outcome,
            Optional<String> providerReference,
            String reason,
            String actor) {
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(providerReference, "providerReference");
        String why = BillerText.clean(Objects.requireNonNull(reason, "reason"), BillerText.MAX_REASON);
        if (why.isEmpty()) {
            throw new IllegalArgumentException("reason must have a printable character");
        }
        String who = BillerText.clean(Objects.requireNonNull(actor, "actor"), 200);
        if (who.isEmpty()) {
            throw new IllegalArgumentException("actor must have a printable character");
        }
        if (!handle.isInTransaction()) {
            throw new IllegalStateException("resolve runs in the caller's transaction: begin one first");
        }
        Optional<String> reference =
                providerReference.map(BillerText::reference).filter(r -> !r.isEmpty());
        // An operator's resolve is a reconciliation attempt too: a span of its own trace, linked to the payment's.
        Traces.Span span = Traces.reconcile(null);
        span.set(Traces.PAYMENT_ID, paymentId.toString()).set(Traces.RECONCILIATION_HOW, "operator");
        try (Traces.Scope scope = span.makeCurrent()) {
            ResolveResult result = resolveTraced(handle, paymentId, outcome, reference, why, who, span);
            span.set(
                    Traces.RECONCILIATION_DECISION,
                    result.status() == ResolveResult.Status.RESOLVED
                            ? (outcome == Resolution.PAID ? Settlement.PAID : Settlement.DECLINED).metricLabel()
                            : result.status()
                                    .name()
                                    .toLowerCase(java.util.Locale.ROOT)
                                    .replace('_', '-'));
            return result;
        } catch (RuntimeException e) {
            span.set(Traces.RECONCILIATION_DECISION, "failed").error("resolve failed: " + e, e);
            throw e;
        } finally {
            span.end();
        }
    }

    private ResolveResult resolveTraced(
            Handle handle,
            UUID paymentId,
            Resolution outcome,
            Optional<String> reference,
            String why,
            String who,
            Traces.Span span) {
        Optional<Row> found = ReconciliationStore.lockIfFree(handle, paymentId);
        if (found.isEmpty()) {
            if (ReconciliationStore.load(handle, paymentId, false).isEmpty()) {
                return new ResolveResult(
                        ResolveResult.Status.NOT_FOUND,
                        "payment " + paymentId + " is not in reconciliation",
                        Optional.empty());
            }
            Instant soon = Instant.now().plusSeconds(5);
            return new ResolveResult(
                    ResolveResult.Status.ATTEMPT_IN_FLIGHT,
                    "the reconciliation job is asking or charging the biller for payment " + paymentId
                            + " right now; ask again after " + soon,
                    Optional.empty(),
                    Optional.of(soon));
        }
        Row row = found.get();
        span.link(row.traceparent());
        span.set(Traces.RECONCILIATION_REASON, row.entry().reason())
                .set(Traces.BILLER_ID, row.entry().biller());
        if (row.resolved()) {
            boolean same = switch (outcome) {
                case PAID -> "PAID".equals(row.resolvedOutcome());
                case DECLINED ->
                    "DECLINED".equals(row.resolvedOutcome()) || "NOT_CHARGED".equals(row.resolvedOutcome());
            };
            return same
                    ? new ResolveResult(
                            ResolveResult.Status.ALREADY_RESOLVED,
                            "payment " + paymentId + " was resolved before as " + row.resolvedOutcome(),
                            Optional.empty())
                    : new ResolveResult(
                            ResolveResult.Status.RESOLVED_OTHERWISE,
                            "payment " + paymentId + " was resolved before as " + row.resolvedOutcome()
                                    + "; it cannot become " + outcome,
                            Optional.empty());
        }
        ReconciliationEntry e = row.entry();
        Optional<BillerClient> client = billers.client(e.biller());
        BillerOutcome answer = client.map(c -> c.status(paymentId))
                .orElse(new BillerOutcome.Unknown("biller '" + e.biller() + "' is not configured"));
        Optional<BillerOutcome> asked = client.isPresent() ? Optional.of(answer) : Optional.empty();
        Instant now = Instant.now();
        ChargeProof proof = proof(e.biller());
        // A contradiction is settled with the biller by hand: the operator confirms what the ledger records.
        String contradiction = "contradiction".equals(e.reason())
                ? null
                : switch (answer) {
                    case BillerOutcome.Paid(var ref)
                    when outcome == Resolution.DECLINED ->
                        "the biller says it charged this payment (reference " + ref + "): it cannot be declined";
                    case BillerOutcome.Paid(var ref)
                    when reference.isPresent() && !reference.get().equals(ref) ->
                        "the biller's reference is " + ref + ", not " + reference.get();
                    case BillerOutcome.Declined(var r)
                    when outcome == Resolution.PAID ->
                        "the biller declined this payment (" + r + "): it cannot be paid";
                    case BillerOutcome.NotCharged n
                    when outcome == Resolution.PAID && proof.provesUncharged(e, row.unprovenSince(), now) ->
                        "the biller has no payment under this key within its key retention: it was never charged";
                    default -> null;
                };
        if (contradiction != null) {
            log.warn(
                    "operator resolution refused paymentId={} outcome={} actor={} reason={}",
                    paymentId,
                    outcome,
                    who,
                    contradiction);
            return new ResolveResult(ResolveResult.Status.CONTRADICTS_BILLER, contradiction, asked);
        }
        Optional<Instant> inFlight = proof.inFlightUntil(e, now);
        if (outcome == Resolution.DECLINED
                && !(answer instanceof BillerOutcome.Declined)
                && !"contradiction".equals(e.reason())
                && inFlight.isPresent()) {
            String detail = "a charge attempt for payment " + paymentId + " may still land at the biller until "
                    + inFlight.get() + " (its in-flight bound after the last attempt) and the biller has no"
                    + " definite answer: it can be decided after " + inFlight.get();
            log.warn("operator decline refused while an attempt may land paymentId={} actor={}", paymentId, who);
            return new ResolveResult(ResolveResult.Status.ATTEMPT_IN_FLIGHT, detail, asked, inFlight);
        }
        Settlement settlement;
        String detail;
        if (outcome == Resolution.PAID) {
            Optional<String> ref =
                    reference.or(() -> answer instanceof BillerOutcome.Paid(var r) ? Optional.of(r) : Optional.empty());
            if (ref.isEmpty()) {
                return new ResolveResult(
                        ResolveResult.Status.REFERENCE_REQUIRED,
                        "the biller did not confirm the charge: give its providerReference",
                        asked);
            }
            settlement = Settlement.PAID;
            detail = ref.get();
        } else {
            settlement = Settlement.DECLINED;
            detail = "resolved by " + who + ": " + why;
        }
        Settling.Result result = Settling.settle(handle, recorder, paymentId, settlement, detail, "operator", who, now);
        if (result == Settling.Result.CONTRADICTS_LEDGER) {
            return new ResolveResult(
                    ResolveResult.Status.RESOLVED_OTHERWISE,
                    "the ledger has payment " + paymentId + " settled the other way: it cannot become " + outcome,
                    asked);
        }
        if (settlement == Settlement.PAID) {
            // The reference went to the ledger; the reason is kept with the entry.
            handle.createUpdate("UPDATE provider_reconciliation SET resolution_detail = :d WHERE payment_id = :id")
                    .bind("d", ReconciliationStore.bounded("reference " + detail + "; resolved by " + who + ": " + why))
                    .bind("id", paymentId)
                    .execute();
        }
        metrics.resolved("operator", settlement.metricLabel());
        log.info(
                "reconciliation entry resolved by an operator paymentId={} outcome={} actor={} billerAnswer={}"
                        + " moneyMoved={}",
                paymentId,
                settlement,
                who,
                answer.getClass().getSimpleName(),
                result == Settling.Result.SETTLED);
        return new ResolveResult(
                ResolveResult.Status.RESOLVED,
                "payment " + paymentId + " settled as " + outcome + " by " + who
                        + (result == Settling.Result.SETTLED ? "" : " (the ledger had it so already; no money moved)"),
                asked);
    }

    @Override
    public boolean openDiscarded(Handle handle, UUID paymentId, String cause) {
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(paymentId, "paymentId");
        Optional<LedgerPayment> payment = recorder.payment(handle, paymentId);
        if (payment.isEmpty() || payment.get().status().terminal()) {
            return false;
        }
        // The event never left the outbox and is gone with the discard: no attempt can have been made.
        boolean opened = ReconciliationStore.insert(
                handle, new Opening(payment.get(), null, Escalation.DISCARDED, cause, 1, Instant.now(), null, null));
        if (opened) {
            metrics.escalated(Escalation.DISCARDED);
            log.warn(
                    "payment put in reconciliation reason=discarded paymentId={} walletId={}",
                    paymentId,
                    payment.get().walletId());
        }
        return opened;
    }

    /** The proof rules of {@code biller}'s configuration (an unconfigured one: no 404 proves anything, the least bound). */
    ChargeProof proof(String biller) {
        return billers.config(biller)
                .map(c -> new ChargeProof(c.keyRetention(), c.inFlightBound()))
                .orElse(new ChargeProof(
                        Duration.ZERO, io.walletoutbox.provider.BillerClientConfig.MIN_DEFAULT_IN_FLIGHT_BOUND));
    }
}
