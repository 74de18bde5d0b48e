package io.walletoutbox.ops.chaos;

import io.walletoutbox.ops.chaos.Checker.Entry;
import io.walletoutbox.ops.chaos.Checker.Expectations;
import io.walletoutbox.ops.chaos.Checker.Payment;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** The I3 check of the chaos suite (see {@link #check}); its violations go to the {@link Checker} under I3. */
final class PaymentLifecycleCheck {
    private PaymentLifecycleCheck() {}

    /**
     * I3: debited once, one terminal state, refunded at most once and only when declined (by the biller, or by an
     * operator: {@link #declinedWithoutCharge}).
     */
    static void check(Checker checker, Connection c, Map<UUID, Payment> payments, Expectations x) throws SQLException {
        for (UUID id : x.acknowledged()) {
            if (!payments.containsKey(id)) {
                checker.fail("I3", "payment " + id + " was acknowledged (202) but does not exist");
            }
        }
        Map<UUID, Map<String, Integer>> transfers = new HashMap<>();
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT t.reference, t.kind, count(*), bool_and(t.amount = p.amount),
                               bool_and(CASE t.kind WHEN 'BILL_PAYMENT' THEN t.debit_account = p.wallet_id
                                                    WHEN 'REFUND' THEN t.credit_account = p.wallet_id
                                                    ELSE t.debit_account = p.clearing_account END),
                               bool_or(p.id IS NULL)
                        FROM transfer t LEFT JOIN bill_payment p ON p.id = t.reference
                        WHERE t.kind <> 'TOP_UP' GROUP BY 1, 2""")) {
            while (rs.next()) {
                UUID ref = rs.getObject(1, UUID.class);
                if (rs.getBoolean(6)) {
                    checker.fail("I3", rs.getString(2) + " transfer for unknown payment " + ref);
                    continue;
                }
                if (!rs.getBoolean(4) || !rs.getBoolean(5)) {
                    checker.fail(
                            "I3", rs.getString(2) + " transfer of payment " + ref + " has a wrong amount or account");
                }
                transfers.computeIfAbsent(ref, k -> new HashMap<>()).put(rs.getString(2), rs.getInt(3));
            }
        }
        for (Payment p : payments.values()) {
            Map<String, Integer> t = transfers.getOrDefault(p.id(), Map.of());
            int debits = t.getOrDefault("BILL_PAYMENT", 0);
            int settlements = t.getOrDefault("SETTLEMENT", 0);
            int refunds = t.getOrDefault("REFUND", 0);
            if (debits != 1) {
                checker.fail("I3", "payment " + p.id() + " debited " + debits + " times");
            }
            switch (p.status()) {
                case "SUCCEEDED" -> {
                    if (settlements != 1 || refunds != 0) {
                        checker.fail(
                                "I3",
                                "SUCCEEDED payment " + p.id() + " has " + settlements + " settlements, " + refunds
                                        + " refunds");
                    }
                    if (p.customerRef().startsWith("DECLINE")) {
                        checker.fail("I3", "payment " + p.id() + " to a declined customer SUCCEEDED");
                    }
                }
                case "FAILED" -> {
                    if (refunds != 1 || settlements != 0) {
                        checker.fail(
                                "I3",
                                "FAILED payment " + p.id() + " has " + refunds + " refunds, " + settlements
                                        + " settlements");
                    }
                    if (!p.customerRef().startsWith("DECLINE") && !declinedWithoutCharge(p, x)) {
                        checker.fail(
                                "I3",
                                "payment " + p.id() + " FAILED (refunded) though the biller never declines "
                                        + p.customerRef());
                    }
                }
                default -> {
                    if (!p.reconciling()) {
                        checker.fail("I3", "payment " + p.id() + " still " + p.status() + " and not in reconciliation");
                    }
                    if (settlements + refunds != 0) {
                        checker.fail("I3", "PENDING payment " + p.id() + " has an outcome transfer");
                    }
                }
            }
        }
    }

    /**
     * A payment the biller never declines may still end FAILED when its request was discarded by an operator, or an
     * operator resolved it DECLINED once nothing could land: I4 then proves it was never charged.
     */
    private static boolean declinedWithoutCharge(Payment p, Expectations x) {
        Entry e = p.entry();
        return x.discarded().contains(p.id())
                || (e != null && "operator".equals(e.resolvedHow()) && "DECLINED".equals(e.resolvedOutcome()));
    }
}
