package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.Reconciliation;
import io.walletoutbox.provider.ReconciliationEntry;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** The {@code provider_reconciliation} table. */
public final class PostgresReconciliation implements Reconciliation {
    private final Jdbi jdbi;

    public PostgresReconciliation(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    @Override
    public List<ReconciliationEntry> pending(int limit) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be 1..1000, was " + limit);
        }
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT payment_id, event_id, wallet_id, biller, customer_ref, amount, currency, last_cause,
                               attempts, first_attempt_at, recorded_at
                          FROM provider_reconciliation
                         WHERE resolved_at IS NULL
                         ORDER BY recorded_at, payment_id
                         LIMIT :limit""")
                .bind("limit", limit)
                .map((rs, ctx) -> new ReconciliationEntry(
                        rs.getObject("payment_id", UUID.class),
                        rs.getObject("event_id", UUID.class),
                        rs.getString("wallet_id"),
                        rs.getString("biller"),
                        rs.getString("customer_ref"),
                        rs.getLong("amount"),
                        rs.getString("currency"),
                        rs.getString("last_cause"),
                        rs.getInt("attempts"),
                        rs.getObject("first_attempt_at", OffsetDateTime.class).toInstant(),
                        rs.getObject("recorded_at", OffsetDateTime.class).toInstant()))
                .list());
    }

    @Override
    public long countPending() {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT count(*) FROM provider_reconciliation WHERE resolved_at IS NULL")
                        .mapTo(Long.class)
                        .one());
    }

    /** Writes an entry in {@code handle}'s transaction; false when the payment has one already. */
    static boolean insert(Handle handle, PaymentEvent event, String cause, int attempts, Instant firstAttemptAt) {
        return handle.createUpdate("""
                        INSERT INTO provider_reconciliation (payment_id, event_id, wallet_id, biller, customer_ref,
                                                             amount, currency, last_cause, attempts, first_attempt_at)
                        VALUES (:paymentId, :eventId, :walletId, :biller, :customerRef, :amount, :currency, :cause,
                                :attempts, :firstAttemptAt)
                        ON CONFLICT DO NOTHING""")
                        .bind("paymentId", event.paymentId())
                        .bind("eventId", event.eventId())
                        .bind("walletId", event.walletId())
                        .bind("biller", event.biller())
                        .bind("customerRef", event.customerRef())
                        .bind("amount", event.amount())
                        .bind("currency", event.currency())
                        .bind("cause", cause)
                        .bind("attempts", attempts)
                        .bind("firstAttemptAt", OffsetDateTime.ofInstant(firstAttemptAt, ZoneOffset.UTC))
                        .execute()
                == 1;
    }
}
