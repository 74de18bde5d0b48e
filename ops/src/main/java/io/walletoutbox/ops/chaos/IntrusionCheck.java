package io.walletoutbox.ops.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The AUTH check of the chaos suite (see {@link #check}); its violations go to the {@link Checker} under AUTH. */
final class IntrusionCheck {
    private IntrusionCheck() {}

    /**
     * AUTH: no request of the {@link Intruder} changed anything. Each was answered with the refusal its kind must
     * get (or 429, a 5xx, or not at all: counted, not a violation), and the database and topic hold nothing it
     * could have written: no transfer or payment with its amounts or customer references, no idempotency key of its,
     * no wallet but the driver's {@code wallets} (so none opened for another owner), exactly one top-up per wallet
     * (the driver's), no admin action in the audit log but those of the suite's {@link Operator}, no event naming its references on the topic.
     *
     * @return the count of answers per status, for the report ({@code 401:12 403:8 …}; {@code none} for no answer)
     */
    static String check(
            Checker checker,
            Connection c,
            List<Checker.Event> topic,
            List<Intruder.Attempt> attempts,
            Set<UUID> wallets)
            throws SQLException {
        checker.violations().put("AUTH", new ArrayList<>());
        Map<String, Integer> byStatus = new java.util.TreeMap<>();
        for (Intruder.Attempt a : attempts) {
            byStatus.merge(a.status() < 0 ? "none" : Integer.toString(a.status()), 1, Integer::sum);
            if (a.violates()) {
                checker.fail(
                        "AUTH", a.kind() + ": " + a.request() + " answered " + a.status() + ", not " + a.expected());
            }
        }
        long lo = Intruder.AMOUNT_BASE;
        long hi = Intruder.AMOUNT_BASE + Intruder.AMOUNT_SPAN - 1;
        String[][] mustBeZero = {
            {
                "transfers with an intruder's amount",
                "SELECT count(*) FROM transfer WHERE amount BETWEEN " + lo + " AND " + hi
            },
            {
                "payments with an intruder's amount or reference",
                "SELECT count(*) FROM bill_payment WHERE amount BETWEEN " + lo + " AND " + hi
                        + " OR customer_ref LIKE '" + Intruder.REF_PREFIX + "%'"
            },
            {
                "idempotency keys of the intruder",
                "SELECT count(*) FROM idempotency_key WHERE key LIKE '" + Intruder.KEY_PREFIX + "%'"
            },
            {
                "wallets of the intruder",
                "SELECT count(*) FROM account WHERE owner_id LIKE '" + Intruder.SUBJECT_PREFIX + "%'"
            },
            {
                "admin actions in the audit log by anyone but the suite's operator",
                "SELECT count(*) FROM admin_audit WHERE split_part(actor, ' ', 1) <> '" + Operator.SUBJECT + "'"
            }
        };
        for (String[] q : mustBeZero) {
            long n = Checker.single(c, q[1]);
            if (n != 0) {
                checker.fail("AUTH", n + " " + q[0]);
            }
        }
        long walletRows = Checker.single(c, "SELECT count(*) FROM account WHERE kind = 'WALLET'");
        if (walletRows != wallets.size()) {
            checker.fail("AUTH", walletRows + " wallets exist, the driver opened " + wallets.size());
        }
        try (var ps = c.prepareStatement("""
                SELECT count(*), count(DISTINCT credit_account), bool_and(credit_account = ANY(?))
                FROM transfer WHERE kind = 'TOP_UP'""")) {
            ps.setArray(1, c.createArrayOf("uuid", wallets.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) != wallets.size() || rs.getLong(2) != wallets.size() || !rs.getBoolean(3)) {
                    checker.fail(
                            "AUTH",
                            rs.getLong(1) + " top-ups into " + rs.getLong(2)
                                    + " wallets; the driver made one into each of " + wallets.size());
                }
            }
        }
        for (Checker.Event e : topic) {
            if (e.value() != null && e.value().toString().contains(Intruder.REF_PREFIX)) {
                checker.fail("AUTH", "event " + e.ceId() + " on the topic names an intruder's reference");
            }
        }
        StringBuilder counts = new StringBuilder();
        byStatus.forEach((k, v) ->
                counts.append(counts.isEmpty() ? "" : " ").append(k).append(':').append(v));
        return counts.toString();
    }
}
