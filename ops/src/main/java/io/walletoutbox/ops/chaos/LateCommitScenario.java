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
 *
 * <p>The payment is made the one way every payment is made: the tool opens a transaction and calls the server-side
 * function {@code wallet_bill_payment} (the wallet's migration {@code V7__one_bill_payment_implementation.sql}) with
 * the arguments the wallet's caller's-transaction path passes, reads the id its outbox row took, holds, and commits.
 */
final class LateCommitScenario {
    private LateCommitScenario() {}

    /**
     * The payment alone, in the caller's open transaction: the wallet's guarded debit (which locks the wallet row
     * until commit), the clearing, the payment, its transfer and the {@code BillPaymentRequested} row in {@code
     * outbox_event} (mode {@code TABLE}, no extra headers; the prefix is used only by the other mode). The payload is
     * split where the wallet's currency goes, which the function fills in.
     */
    private static final String PAYMENT_SQL = """
            SELECT outcome FROM wallet_bill_payment(
                p_wallet => ?, p_owner => CAST(NULL AS text), p_amount => ?,
                p_day => CAST(now() AT TIME ZONE 'UTC' AS date), p_limit => ?,
                p_bucket => ?, p_new_clearing => ?,
                p_payment => ?, p_transfer => ?, p_biller => 'wifi', p_customer_ref => ?,
                p_now => now(),
                p_outbox_mode => 'TABLE', p_outbox_prefix => 'walletoutbox.outbox', p_event_id => ?,
                p_shard => ?, p_aggregate_type => 'Wallet', p_event_type => 'BillPaymentRequested', p_topic => ?,
                p_payload_before => ?, p_payload_after => ?,
                p_headers => CAST('{}' AS jsonb))""";

    /** The wallet's clearing buckets ({@code SystemAccounts.BUCKETS}, fixed once payments record their account). */
    private static final int CLEARING_BUCKETS = 16;

    static Optional<String> run(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.15, 0.35));
        UUID wallet = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
        UUID payment = UUID.randomUUID();
        long amount = 1 + r.rnd.nextInt(1000);
        String ref = "ACC-" + r.tag + "-held";
        try (Connection c = r.db()) {
            int shards = (int) MoneyPathScenarios.count(c, "SELECT count(*) FROM outbox_shard");
            c.setAutoCommit(false);
            UUID event = UUID.randomUUID();
            String outcome;
            try (PreparedStatement ps = c.prepareStatement(PAYMENT_SQL)) {
                int i = 0;
                ps.setObject(++i, wallet);
                ps.setLong(++i, amount);
                // The limit the services run with (the tool's payment counts towards the wallet's day like theirs).
                ps.setLong(++i, Long.parseLong(Cluster.LIMITS.get("DAILY_PAYMENT_LIMIT")));
                ps.setInt(++i, Math.floorMod(wallet.hashCode(), CLEARING_BUCKETS));
                ps.setObject(++i, UUID.randomUUID());
                ps.setObject(++i, payment);
                ps.setObject(++i, UUID.randomUUID());
                ps.setString(++i, ref);
                ps.setObject(++i, event);
                ps.setInt(++i, Math.floorMod(wallet.toString().hashCode(), shards));
                ps.setString(++i, r.cluster.topic());
                ps.setString(
                        ++i,
                        "{\"paymentId\":\"" + payment + "\",\"walletId\":\"" + wallet
                                + "\",\"biller\":\"wifi\",\"customerRef\":\"" + ref + "\",\"amount\":" + amount
                                + ",\"currency\":\"");
                ps.setString(++i, "\"}");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    outcome = rs.getString(1);
                }
            }
            if (!"EXECUTED".equals(outcome)) {
                throw new IllegalStateException("wallet_bill_payment answered " + outcome + " for wallet " + wallet);
            }
            long heldId;
            // The transaction's own row, visible to it alone until the commit.
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM outbox_event WHERE event_id = ?")) {
                ps.setObject(1, event);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("the held payment's outbox row is missing");
                    }
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
}
