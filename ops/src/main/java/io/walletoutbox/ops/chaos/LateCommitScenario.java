package io.walletoutbox.ops.chaos;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code outbox-late-commit}: a payment transaction of the tool's own takes an outbox id and holds it open,
 * uncommitted, while the load's later payments take higher ids, commit and are published; then it commits. An id is
 * taken at insert, not at commit, so a relay that read "everything above the last id published" would skip the late
 * row: the suite's checks then find its event missing (I5) or its wallet's events out of order (I6).
 */
final class LateCommitScenario {
    private LateCommitScenario() {}

    static Optional<String> run(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.15, 0.35));
        UUID wallet = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
        UUID payment = UUID.randomUUID();
        long amount = 1 + r.rnd.nextInt(1000);
        String ref = "ACC-" + r.tag + "-held";
        try (Connection c = r.db()) {
            UUID clearing;
            try (var s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT id FROM account WHERE kind = 'BILLER_CLEARING' AND currency = 'USD' LIMIT 1")) {
                if (!rs.next()) {
                    throw new IllegalStateException("no clearing account yet");
                }
                clearing = rs.getObject(1, UUID.class);
            }
            c.setAutoCommit(false);
            // The same statements, in the same order, as the API's payment transaction: the wallet row is locked
            // first, then the outbox row takes its id.
            update(c, "UPDATE account SET balance = balance - ? WHERE id = ? AND balance >= ?", amount, wallet, amount);
            update(c, "UPDATE account SET balance = balance + ? WHERE id = ?", amount, clearing);
            update(
                    c,
                    "INSERT INTO bill_payment (id, wallet_id, clearing_account, biller, customer_ref, amount, currency,"
                            + " status, created_at) VALUES (?, ?, ?, 'wifi', ?, ?, 'USD', 'PENDING', now())",
                    payment,
                    wallet,
                    clearing,
                    ref,
                    amount);
            update(
                    c,
                    "INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency,"
                            + " created_at) VALUES (?, 'BILL_PAYMENT', ?, ?, ?, ?, 'USD', now())",
                    UUID.randomUUID(),
                    payment,
                    wallet,
                    clearing,
                    amount);
            String payload = "{\"paymentId\":\"" + payment + "\",\"walletId\":\"" + wallet
                    + "\",\"biller\":\"wifi\",\"customerRef\":\"" + ref + "\",\"amount\":" + amount
                    + ",\"currency\":\"USD\"}";
            long heldId;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO outbox_event (event_id, shard, aggregate_type, aggregate_id, event_type, topic,"
                            + " payload, headers, created_at) VALUES (?, ?, 'Wallet', ?, 'BillPaymentRequested', ?,"
                            + " ?, '{}'::jsonb, now()) RETURNING id")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setInt(2, Math.floorMod(wallet.toString().hashCode(), 64));
                ps.setString(3, wallet.toString());
                ps.setString(4, r.cluster.topic());
                ps.setString(5, payload);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    heldId = rs.getLong(1);
                }
            }
            r.fault("tool transaction took outbox id " + heldId + " and holds it open");
            long hold = (long) (r.load.duration().toMillis() * r.between(0.3, 0.5));
            Cluster.sleep(hold);
            long committedAbove = committedHigherIds(r, heldId);
            c.commit();
            r.toolPayments.add(payment);
            r.fault("committed id " + heldId + " after " + hold + "ms; " + committedAbove
                    + " higher ids were published meanwhile");
            if (committedAbove == 0) {
                r.fault("WARNING no higher id committed while held (load too small)");
            }
        }
        r.awaitLoad();
        return Optional.empty();
    }

    /** How many events with a higher outbox id than {@code heldId} reached the topic before the held commit. */
    private static long committedHigherIds(ScenarioRun r, long heldId) throws Exception {
        try (Connection c = r.db();
                var s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT last_value FROM outbox_event_id_seq")) {
            rs.next();
            long last = rs.getLong(1);
            try (var s2 = c.createStatement();
                    ResultSet left = s2.executeQuery("SELECT count(*) FROM outbox_event WHERE id > " + heldId)) {
                left.next();
                return Math.max(0, last - heldId - left.getLong(1));
            }
        }
    }

    private static void update(Connection c, String sql, Object... args) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("no row for: " + sql);
            }
        }
    }
}
