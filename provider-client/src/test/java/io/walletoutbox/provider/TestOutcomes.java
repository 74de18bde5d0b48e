package io.walletoutbox.provider;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The test's {@link OutcomeRecorder}: appends every call to {@code test_outcomes} (no unique key, so a double
 * recording would show as two rows), in the consumer's transaction. The table has the ledger's bounds (a reference
 * of 1..200 characters, a reason of 1..500; PostgreSQL refuses NUL in text). Payments can be made unknown to the
 * ledger ({@link #unknown}), refused ({@link #refused}: {@code OutcomeRefused}; {@link #violating}: a CHECK
 * violation) or failing transiently ({@link #failing}).
 */
final class TestOutcomes implements OutcomeRecorder {
    final Set<UUID> unknown = ConcurrentHashMap.newKeySet();
    final Set<UUID> refused = ConcurrentHashMap.newKeySet();
    final Set<UUID> violating = ConcurrentHashMap.newKeySet();
    final Set<UUID> failing = ConcurrentHashMap.newKeySet();
    /** One recorded outcome, in recording order ({@code seq}). */
    record Row(long seq, UUID paymentId, String outcome, String detail) {}

    private final Jdbi jdbi;

    TestOutcomes(Jdbi jdbi) {
        this.jdbi = jdbi;
        jdbi.useHandle(h -> h.execute("""
                CREATE TABLE IF NOT EXISTS test_outcomes (
                    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    payment_id uuid NOT NULL,
                    outcome    text NOT NULL,
                    detail     text NOT NULL,
                    CHECK (outcome <> 'paid' OR length(detail) BETWEEN 1 AND 200),
                    CHECK (outcome <> 'declined' OR length(detail) BETWEEN 1 AND 500))"""));
    }

    /** The payment as the tests' ledger ({@code test_payments}, see {@link Infra#register}) holds it. */
    @Override
    public Optional<LedgerPayment> payment(Handle handle, UUID paymentId) {
        if (unknown.contains(paymentId)) {
            return Optional.empty();
        }
        return handle.createQuery(SELECT + " WHERE p.payment_id = :p")
                .bind("p", paymentId)
                .map((rs, ctx) -> payment(rs))
                .findOne();
    }

    @Override
    public List<LedgerPayment> stalePending(Handle handle, Instant createdBefore, int limit) {
        return handle.createQuery(SELECT + " " + """
                         WHERE p.created_at < :before
                           AND NOT EXISTS (SELECT 1 FROM test_outcomes o WHERE o.payment_id = p.payment_id)
                           AND NOT EXISTS (SELECT 1 FROM provider_reconciliation r WHERE r.payment_id = p.payment_id)
                         ORDER BY p.created_at LIMIT :limit""")
                .bind("before", java.time.OffsetDateTime.ofInstant(createdBefore, java.time.ZoneOffset.UTC))
                .bind("limit", limit)
                .map((rs, ctx) -> payment(rs))
                .list();
    }

    private static final String SELECT = """
            SELECT p.payment_id, p.wallet_id, p.biller, p.customer_ref, p.amount, p.currency, p.created_at,
                   (SELECT o.outcome FROM test_outcomes o WHERE o.payment_id = p.payment_id ORDER BY o.seq LIMIT 1)
                       AS outcome
              FROM test_payments p""";

    private static LedgerPayment payment(java.sql.ResultSet rs) throws java.sql.SQLException {
        String outcome = rs.getString("outcome");
        return new LedgerPayment(
                rs.getObject("payment_id", UUID.class),
                rs.getString("wallet_id"),
                rs.getString("biller"),
                rs.getString("customer_ref"),
                rs.getLong("amount"),
                rs.getString("currency"),
                rs.getObject("created_at", java.time.OffsetDateTime.class).toInstant(),
                outcome == null
                        ? LedgerPayment.Status.PENDING
                        : "paid".equals(outcome) ? LedgerPayment.Status.SUCCEEDED : LedgerPayment.Status.FAILED);
    }

    @Override
    public boolean paid(Handle handle, UUID paymentId, String reference) {
        return insert(handle, paymentId, "paid", reference);
    }

    @Override
    public boolean declined(Handle handle, UUID paymentId, String reason) {
        return insert(handle, paymentId, "declined", reason);
    }

    private boolean insert(Handle handle, UUID paymentId, String outcome, String detail) {
        if (!handle.isInTransaction()) {
            throw new AssertionError("the recorder must be called inside the consumer's transaction");
        }
        if (failing.contains(paymentId)) {
            throw new IllegalStateException("the ledger is unavailable for " + paymentId + " (test)");
        }
        if (refused.contains(paymentId)) {
            throw ProviderException.OutcomeRefused.ledgerRefused("the ledger refuses " + paymentId + " (test)", null);
        }
        if (violating.contains(paymentId)) {
            detail = ""; // the CHECK constraint refuses it
        }

        handle.createUpdate("INSERT INTO test_outcomes (payment_id, outcome, detail) VALUES (:p, :o, :d)")
                .bind("p", paymentId)
                .bind("o", outcome)
                .bind("d", detail)
                .execute();
        return true;
    }

    List<Row> rows() {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT seq, payment_id, outcome, detail FROM test_outcomes ORDER BY seq")
                .map((rs, ctx) -> new Row(
                        rs.getLong("seq"),
                        rs.getObject("payment_id", UUID.class),
                        rs.getString("outcome"),
                        rs.getString("detail")))
                .list());
    }

    List<Row> rowsOf(UUID paymentId) {
        return rows().stream().filter(r -> r.paymentId().equals(paymentId)).toList();
    }

    boolean inboxHas(UUID eventId) {
        return jdbi.withHandle(h -> h.createQuery(
                                "SELECT count(*) FROM inbox WHERE consumer = 'bill-payments' AND event_id = :e")
                        .bind("e", eventId)
                        .mapTo(Long.class)
                        .one())
                == 1;
    }
}
