package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.BillerClient;
import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.Reconciliation;
import io.walletoutbox.provider.ReconciliationEntry;
import io.walletoutbox.provider.ResolveResult;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code provider_reconciliation} table: listing, the operator's resolve, and the statements the job uses. */
public final class PostgresReconciliation implements Reconciliation {
    private static final Logger log = LoggerFactory.getLogger(PostgresReconciliation.class);
    static final String COLUMNS = """
            payment_id, event_id, wallet_id, biller, customer_ref, amount, currency, last_cause, attempts,
            first_attempt_at, recorded_at, reason, checks, recharges, last_checked_at, next_check_at,
            unproven_since, resolved_at, resolved_outcome""";

    /** How an entry is settled; {@code NOT_CHARGED} is a refund because the biller never charged. */
    enum Settlement {
        PAID,
        DECLINED,
        NOT_CHARGED;

        String metricLabel() {
            return switch (this) {
                case PAID -> "paid";
                case DECLINED -> "declined";
                case NOT_CHARGED -> "not-charged";
            };
        }
    }

    /** A row, with the columns the listing does not show. */
    record Row(ReconciliationEntry entry, Optional<Instant> unprovenSince, boolean resolved, String resolvedOutcome) {}

    private final Jdbi jdbi;
    private final Billers billers; // null: listing only
    private final OutcomeRecorder recorder;
    private final ProviderMetrics metrics;

    public PostgresReconciliation(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.billers = null;
        this.recorder = null;
        this.metrics = null;
    }

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
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + """
                         FROM provider_reconciliation
                        WHERE resolved_at IS NULL
                        ORDER BY recorded_at, payment_id
                        LIMIT :limit""")
                .bind("limit", limit)
                .map((rs, ctx) -> row(rs, ctx).entry())
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
        return jdbi.withHandle(h -> load(h, paymentId, false).map(Row::entry));
    }

    /** Unresolved entries and the oldest one's {@code recorded_at}. */
    static void refreshGauges(Jdbi jdbi, ProviderMetrics metrics) {
        jdbi.useHandle(h -> h.createQuery("""
                        SELECT count(*) AS n, min(recorded_at) AS oldest
                          FROM provider_reconciliation WHERE resolved_at IS NULL""")
                .map((rs, ctx) -> {
                    OffsetDateTime oldest = rs.getObject("oldest", OffsetDateTime.class);
                    metrics.reconciliation(
                            rs.getLong("n"),
                            oldest == null ? Duration.ZERO : Duration.between(oldest.toInstant(), Instant.now()));
                    return 0;
                })
                .one());
    }

    static Optional<Row> load(Handle h, UUID paymentId, boolean forUpdate) {
        return h.createQuery("SELECT " + COLUMNS + " FROM provider_reconciliation WHERE payment_id = :id"
                        + (forUpdate ? " FOR UPDATE" : ""))
                .bind("id", paymentId)
                .map(PostgresReconciliation::row)
                .findOne();
    }

    static Row row(ResultSet rs, StatementContext ctx) throws SQLException {
        var entry = new ReconciliationEntry(
                rs.getObject("payment_id", UUID.class),
                rs.getObject("event_id", UUID.class),
                rs.getString("wallet_id"),
                rs.getString("biller"),
                rs.getString("customer_ref"),
                rs.getLong("amount"),
                rs.getString("currency"),
                rs.getString("last_cause"),
                rs.getInt("attempts"),
                instant(rs, "first_attempt_at"),
                instant(rs, "recorded_at"),
                rs.getString("reason"),
                rs.getInt("checks"),
                rs.getInt("recharges"),
                Optional.ofNullable(instant(rs, "last_checked_at")),
                instant(rs, "next_check_at"));
        return new Row(
                entry,
                Optional.ofNullable(instant(rs, "unproven_since")),
                rs.getObject("resolved_at") != null,
                rs.getString("resolved_outcome"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime utc(Instant t) {
        return t == null ? null : OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    /**
     * Writes an entry in {@code handle}'s transaction; false when the payment has one already. {@code unprovenSince}
     * is the earliest moment a charge may have been made (null: no charge was ever attempted).
     */
    static boolean insert(
            Handle handle,
            PaymentEvent event,
            String reason,
            String cause,
            int attempts,
            Instant firstAttemptAt,
            Instant unprovenSince) {
        return handle.createUpdate("""
                        INSERT INTO provider_reconciliation (payment_id, event_id, wallet_id, biller, customer_ref,
                                                             amount, currency, last_cause, attempts, first_attempt_at,
                                                             reason, unproven_since)
                        VALUES (:paymentId, :eventId, :walletId, :biller, :customerRef, :amount, :currency, :cause,
                                :attempts, :firstAttemptAt, :reason, :unprovenSince)
                        ON CONFLICT DO NOTHING""")
                        .bind("paymentId", event.paymentId())
                        .bind("eventId", event.eventId())
                        .bind("walletId", event.walletId())
                        .bind("biller", event.biller())
                        .bind("customerRef", event.customerRef())
                        .bind("amount", event.amount())
                        .bind("currency", event.currency())
                        .bind("cause", bounded(cause))
                        .bind("attempts", Math.max(1, attempts))
                        .bind("firstAttemptAt", utc(firstAttemptAt))
                        .bind("reason", reason)
                        .bind("unprovenSince", utc(unprovenSince))
                        .execute()
                == 1;
    }

    /** Claims the most overdue unresolved entry for {@code lease} (other instances skip it meanwhile). */
    static Optional<Row> claimDue(Handle h, Instant now, Duration lease) {
        return h.createQuery("UPDATE provider_reconciliation SET next_check_at = :until"
                        + " WHERE payment_id = (SELECT payment_id FROM provider_reconciliation"
                        + " WHERE resolved_at IS NULL AND next_check_at <= :now"
                        + " ORDER BY next_check_at, payment_id LIMIT 1 FOR UPDATE SKIP LOCKED)"
                        + " RETURNING " + COLUMNS)
                .bind("now", utc(now))
                .bind("until", utc(now.plus(lease)))
                .map(PostgresReconciliation::row)
                .findOne();
    }

    /** Records an inconclusive check and when to ask next. */
    static void reschedule(Handle h, UUID paymentId, String cause, Instant now, Instant next) {
        h.createUpdate("""
                        UPDATE provider_reconciliation
                           SET checks = checks + 1, last_checked_at = :now, next_check_at = :next, last_cause = :cause
                         WHERE payment_id = :id AND resolved_at IS NULL""")
                .bind("id", paymentId)
                .bind("now", utc(now))
                .bind("next", utc(next))
                .bind("cause", bounded(cause))
                .execute();
    }

    /**
     * Before charging again: every earlier attempt is proven uncharged, and the charge about to be made is the only
     * one that may be. Committed before the request goes out.
     */
    static boolean beforeRecharge(Handle h, UUID paymentId, Instant now) {
        return h.createUpdate("""
                        UPDATE provider_reconciliation
                           SET unproven_since = :now, recharges = recharges + 1, checks = checks + 1,
                               last_checked_at = :now
                         WHERE payment_id = :id AND resolved_at IS NULL""").bind("id", paymentId).bind("now", utc(now)).execute() == 1;
    }

    /**
     * Settles the payment through {@code recorder} and marks the entry resolved, in {@code h}'s transaction, with
     * the entry's row locked by the caller. Returns what the recorder returned.
     */
    static boolean settle(
            Handle h,
            OutcomeRecorder recorder,
            UUID paymentId,
            Settlement settlement,
            String detail,
            String how,
            String actor,
            Instant now) {
        boolean changed = switch (settlement) {
            case PAID -> recorder.paid(h, paymentId, new BillerOutcome.Paid(detail).reference());
            case DECLINED, NOT_CHARGED -> recorder.declined(h, paymentId, new BillerOutcome.Declined(detail).reason());
        };
        int updated = h.createUpdate("""
                        UPDATE provider_reconciliation
                           SET resolved_at = :now, resolved_how = :how, resolved_by = :actor,
                               resolved_outcome = :outcome, resolution_detail = :detail
                         WHERE payment_id = :id AND resolved_at IS NULL""")
                .bind("id", paymentId)
                .bind("now", utc(now))
                .bind("how", how)
                .bind("actor", actor)
                .bind("outcome", settlement.name())
                .bind("detail", bounded(detail))
                .execute();
        if (updated != 1) { // the caller holds the row lock and saw it unresolved
            throw new IllegalStateException("reconciliation entry " + paymentId + " was resolved concurrently");
        }
        return changed;
    }

    static String bounded(String s) {
        String cleaned = BillerText.clean(s == null ? "" : s, 1000);
        return cleaned.isEmpty() ? "-" : cleaned;
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
        if (billers == null) {
            throw new IllegalStateException("this Reconciliation was created without billers and recorder");
        }
        if (!handle.isInTransaction()) {
            throw new IllegalStateException("resolve runs in the caller's transaction: begin one first");
        }
        Optional<String> reference =
                providerReference.map(BillerText::reference).filter(r -> !r.isEmpty());
        Optional<Row> found = load(handle, paymentId, true);
        if (found.isEmpty()) {
            return new ResolveResult(
                    ResolveResult.Status.NOT_FOUND,
                    "payment " + paymentId + " is not in reconciliation",
                    Optional.empty());
        }
        Row row = found.get();
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
        String contradiction = switch (answer) {
            case BillerOutcome.Paid(var ref)
            when outcome == Resolution.DECLINED ->
                "the biller says it charged this payment (reference " + ref + "): it cannot be declined";
            case BillerOutcome.Paid(var ref)
            when reference.isPresent() && !reference.get().equals(ref) ->
                "the biller's reference is " + ref + ", not " + reference.get();
            case BillerOutcome.Declined(var r)
            when outcome == Resolution.PAID -> "the biller declined this payment (" + r + "): it cannot be paid";
            case BillerOutcome.NotCharged n
            when outcome == Resolution.PAID && proven(row, now, e.biller()) ->
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
        settle(handle, recorder, paymentId, settlement, detail, "operator", who, now);
        if (settlement == Settlement.PAID) {
            // The reference went to the ledger; the reason is kept with the entry.
            handle.createUpdate("UPDATE provider_reconciliation SET resolution_detail = :d WHERE payment_id = :id")
                    .bind("d", bounded("reference " + detail + "; resolved by " + who + ": " + why))
                    .bind("id", paymentId)
                    .execute();
        }
        metrics.resolved("operator", settlement.metricLabel());
        log.info(
                "reconciliation entry resolved by an operator paymentId={} outcome={} actor={} billerAnswer={}",
                paymentId,
                settlement,
                who,
                answer.getClass().getSimpleName());
        return new ResolveResult(
                ResolveResult.Status.RESOLVED, "payment " + paymentId + " settled as " + outcome + " by " + who, asked);
    }

    /** True when a 404 now proves no attempt ever charged (every possible charge is within the key retention). */
    boolean proven(Row row, Instant now, String biller) {
        Duration retention = billers.config(biller).map(c -> c.keyRetention()).orElse(Duration.ZERO);
        return provenUncharged(row, now, retention);
    }

    static boolean provenUncharged(Row row, Instant now, Duration retention) {
        return row.unprovenSince()
                .map(since -> !now.minus(retention).isAfter(since))
                .orElse(true);
    }
}
