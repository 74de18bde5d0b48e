package io.walletoutbox.provider;

import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The test's {@link OutcomeRecorder}: appends every call to {@code test_outcomes} (no unique key, so a double
 * recording would show as two rows), in the consumer's transaction.
 */
final class TestOutcomes implements OutcomeRecorder {
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
                    detail     text NOT NULL)"""));
    }

    @Override
    public boolean paid(Handle handle, UUID paymentId, String reference) {
        return insert(handle, paymentId, "paid", reference);
    }

    @Override
    public boolean declined(Handle handle, UUID paymentId, String reason) {
        return insert(handle, paymentId, "declined", reason);
    }

    private static boolean insert(Handle handle, UUID paymentId, String outcome, String detail) {
        if (!handle.isInTransaction()) {
            throw new AssertionError("the recorder must be called inside the consumer's transaction");
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
