package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.LedgerPayment;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.ProviderMetrics.Escalation;
import io.walletoutbox.provider.ReconciliationEntry;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The statements on {@code provider_reconciliation}, each in the caller's transaction on its handle. Every entry
 * takes the payment's values from the ledger ({@link LedgerPayment}), never from a record.
 */
final class ReconciliationStore {
    static final String COLUMNS = """
            payment_id, event_id, wallet_id, biller, customer_ref, amount, currency, last_cause, attempts,
            first_attempt_at, recorded_at, reason, checks, recharges, last_checked_at, next_check_at,
            unproven_since, last_attempt_at, resolved_at, resolved_outcome, traceparent""";

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

        /** True when the ledger's terminal {@code status} is what this settlement makes of a payment. */
        boolean agreesWith(LedgerPayment.Status status) {
            return status == (this == PAID ? LedgerPayment.Status.SUCCEEDED : LedgerPayment.Status.FAILED);
        }
    }

    /**
     * A row, with the columns the listing does not show; {@code traceparent} is the payment's trace context when
     * known (each reconciliation span links to it), else null.
     */
    record Row(
            ReconciliationEntry entry,
            Optional<Instant> unprovenSince,
            boolean resolved,
            String resolvedOutcome,
            String traceparent) {}

    /**
     * A new entry. {@code eventId} is null when no consumed event opened it; {@code unprovenSince} is the earliest
     * moment a charge under the payment's key may have been made and {@code lastAttemptAt} the latest moment an
     * attempt may have been sent (both null: no attempt can have been made). {@code traceparent} is the payment's
     * W3C trace context when known (the consumer's record's); a malformed one is not kept.
     */
    record Opening(
            LedgerPayment payment,
            UUID eventId,
            Escalation reason,
            String cause,
            int attempts,
            Instant firstAttemptAt,
            Instant unprovenSince,
            Instant lastAttemptAt,
            String traceparent) {
        Opening {
            Objects.requireNonNull(payment, "payment");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(firstAttemptAt, "firstAttemptAt");
            traceparent = Traces.validTraceparent(traceparent);
        }

        /** An entry whose payment's trace context is not known (the sweep's, a discard's). */
        Opening(
                LedgerPayment payment,
                UUID eventId,
                Escalation reason,
                String cause,
                int attempts,
                Instant firstAttemptAt,
                Instant unprovenSince,
                Instant lastAttemptAt) {
            this(payment, eventId, reason, cause, attempts, firstAttemptAt, unprovenSince, lastAttemptAt, null);
        }
    }

    private ReconciliationStore() {}

    /** The new entry's row (a contradiction's opening has reason {@code contradiction}). */
    private static final String INSERT = """
            INSERT INTO provider_reconciliation (payment_id, event_id, wallet_id, biller, customer_ref, amount,
                                                 currency, last_cause, attempts, first_attempt_at, reason,
                                                 unproven_since, last_attempt_at, traceparent)
            VALUES (:paymentId, :eventId, :walletId, :biller, :customerRef, :amount, :currency, :cause, :attempts,
                    :firstAttemptAt, :reason, :unprovenSince, :lastAttemptAt, :traceparent)
            """;

    /** Writes an entry; false when the payment has one already (nothing changed). */
    static boolean insert(Handle h, Opening o) {
        return h.createUpdate(INSERT + "ON CONFLICT DO NOTHING")
                        .bindMap(values(o))
                        .execute()
                == 1;
    }

    /**
     * Records a contradiction for the payment: a new entry with reason {@code contradiction}, or the existing one
     * (resolved or not) turned into one, its earlier resolution kept in {@code last_cause}. Only an operator
     * settles it; the job skips it.
     */
    static void contradiction(Handle h, Opening o) {
        h.createUpdate(INSERT + """
                        ON CONFLICT (payment_id) DO UPDATE
                           SET reason = 'contradiction',
                               traceparent = coalesce(provider_reconciliation.traceparent, EXCLUDED.traceparent),
                               last_cause = left(:cause || coalesce('; resolved before as '
                                   || provider_reconciliation.resolved_outcome || ' by '
                                   || provider_reconciliation.resolved_how || ' ' || provider_reconciliation.resolved_by
                                   || ': ' || provider_reconciliation.resolution_detail, ''), 1000),
                               resolved_at = NULL, resolved_how = NULL, resolved_by = NULL, resolved_outcome = NULL,
                               resolution_detail = NULL, next_check_at = now()""").bindMap(values(o)).execute();
    }

    private static java.util.Map<String, Object> values(Opening o) {
        var m = new java.util.HashMap<String, Object>();
        LedgerPayment p = o.payment();
        m.put("paymentId", p.paymentId());
        m.put("eventId", o.eventId());
        m.put("walletId", p.walletId());
        m.put("biller", p.biller());
        m.put("customerRef", p.customerRef());
        m.put("amount", p.amount());
        m.put("currency", p.currency());
        m.put("cause", bounded(o.cause()));
        m.put("attempts", Math.max(1, o.attempts()));
        m.put("firstAttemptAt", utc(o.firstAttemptAt()));
        m.put("reason", o.reason().label());
        m.put("unprovenSince", utc(o.unprovenSince()));
        m.put("lastAttemptAt", utc(o.lastAttemptAt()));
        m.put("traceparent", o.traceparent());
        return m;
    }

    /**
     * The consumer's attempts that an entry opened meanwhile (the sweep) does not know of: the entry's window of
     * possible charges widens to include them, so no 404 is taken as proof while they may still land.
     */
    static void noteAttempts(Handle h, UUID paymentId, Instant firstAttempt, Instant lastAttempt) {
        h.createUpdate("""
                        UPDATE provider_reconciliation
                           SET unproven_since = least(coalesce(unproven_since, :first), :first),
                               last_attempt_at = greatest(coalesce(last_attempt_at, :last), :last)
                         WHERE payment_id = :id AND resolved_at IS NULL""")
                .bind("id", paymentId)
                .bind("first", utc(firstAttempt))
                .bind("last", utc(lastAttempt))
                .execute();
    }

    /**
     * Gives an unresolved entry opened without the payment's trace context (the sweep's) the one a record of the
     * payment carries; a no-op when it has one, or when {@code traceparent} is null or malformed.
     */
    static void learnTraceparent(Handle h, UUID paymentId, String traceparent) {
        String valid = Traces.validTraceparent(traceparent);
        if (valid == null) {
            return;
        }
        h.createUpdate("""
                        UPDATE provider_reconciliation SET traceparent = :traceparent
                         WHERE payment_id = :id AND resolved_at IS NULL AND traceparent IS NULL""").bind("id", paymentId).bind("traceparent", valid).execute();
    }

    static Optional<Row> load(Handle h, UUID paymentId, boolean forUpdate) {
        return h.createQuery("SELECT " + COLUMNS + " FROM provider_reconciliation WHERE payment_id = :id"
                        + (forUpdate ? " FOR UPDATE" : ""))
                .bind("id", paymentId)
                .map(ReconciliationStore::row)
                .findOne();
    }

    /** The row locked for this transaction, or empty when another transaction holds its lock (or there is none). */
    static Optional<Row> lockIfFree(Handle h, UUID paymentId) {
        return h.createQuery("SELECT " + COLUMNS
                        + " FROM provider_reconciliation WHERE payment_id = :id FOR UPDATE SKIP LOCKED")
                .bind("id", paymentId)
                .map(ReconciliationStore::row)
                .findOne();
    }

    /** Claims the most overdue unresolved entry (contradictions excepted) for {@code lease}. */
    static Optional<Row> claimDue(Handle h, Instant now, Duration lease) {
        return h.createQuery("UPDATE provider_reconciliation SET next_check_at = :until"
                        + " WHERE payment_id = (SELECT payment_id FROM provider_reconciliation"
                        + " WHERE resolved_at IS NULL AND reason <> 'contradiction' AND next_check_at <= :now"
                        + " ORDER BY next_check_at, payment_id LIMIT 1 FOR UPDATE SKIP LOCKED)"
                        + " RETURNING " + COLUMNS)
                .bind("now", utc(now))
                .bind("until", utc(now.plus(lease)))
                .map(ReconciliationStore::row)
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
     * Before charging again: every earlier attempt is proven uncharged, and the charge about to be sent is the
     * only one that may charge. Committed before the request goes out.
     */
    static boolean beforeRecharge(Handle h, UUID paymentId, Instant now) {
        return h.createUpdate("""
                        UPDATE provider_reconciliation
                           SET unproven_since = :now, last_attempt_at = :now, recharges = recharges + 1,
                               checks = checks + 1, last_checked_at = :now
                         WHERE payment_id = :id AND resolved_at IS NULL""").bind("id", paymentId).bind("now", utc(now)).execute() == 1;
    }

    /** Marks the entry resolved; the caller holds its row lock and saw it unresolved. */
    static void markResolved(
            Handle h, UUID paymentId, Settlement settlement, String detail, String how, String actor, Instant now) {
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
        if (updated != 1) {
            throw new IllegalStateException("reconciliation entry " + paymentId + " was resolved concurrently");
        }
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
                instant(rs, "next_check_at"),
                Optional.ofNullable(instant(rs, "last_attempt_at")));
        return new Row(
                entry,
                Optional.ofNullable(instant(rs, "unproven_since")),
                rs.getObject("resolved_at") != null,
                rs.getString("resolved_outcome"),
                rs.getString("traceparent"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static OffsetDateTime utc(Instant t) {
        return t == null ? null : OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    static String bounded(String s) {
        String cleaned = BillerText.clean(s == null ? "" : s, 1000);
        return cleaned.isEmpty() ? "-" : cleaned;
    }
}
