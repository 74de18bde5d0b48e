package io.walletoutbox.ops.chaos;

import io.walletoutbox.ops.chaos.Checker.Entry;
import io.walletoutbox.ops.chaos.Checker.Expectations;
import io.walletoutbox.ops.chaos.Checker.Payment;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;

/** The I7 check of the chaos suite (see {@link #check}); its violations go to the {@link Checker} under I7. */
final class StuckCheck {
    private StuckCheck() {}

    /**
     * I7: every payment is SUCCEEDED or FAILED, or listed for an operator (an unresolved reconciliation entry with
     * its reason and the biller's last answer), and no more than the scenario allows rest there; a resolved entry
     * agrees with its payment (PAID: SUCCEEDED; DECLINED or NOT_CHARGED: FAILED), an unresolved one is PENDING; and
     * no entry is for a payment that does not exist.
     */
    static void check(Checker checker, Connection c, Map<UUID, Payment> payments, Expectations x) throws SQLException {
        long orphans = Checker.single(
                c,
                "SELECT count(*) FROM provider_reconciliation r"
                        + " WHERE NOT EXISTS (SELECT 1 FROM bill_payment p WHERE p.id = r.payment_id)");
        if (orphans > 0) {
            checker.fail("I7", orphans + " reconciliation entries for payments that do not exist");
        }
        int resting = 0;
        for (Payment p : payments.values()) {
            Entry e = p.entry();
            if (p.status().equals("PENDING")) {
                if (e == null || e.resolved()) {
                    checker.fail("I7", "payment " + p.id() + " is PENDING and listed nowhere for an operator");
                    continue;
                }
                resting++;
                if (e.reason() == null
                        || e.reason().isBlank()
                        || e.lastCause() == null
                        || e.lastCause().isBlank()) {
                    checker.fail("I7", "payment " + p.id() + " rests in reconciliation without a reason or cause");
                }
            } else if (e != null) {
                if (!e.resolved()) {
                    checker.fail(
                            "I7", p.status() + " payment " + p.id() + " is still listed unresolved in reconciliation");
                } else {
                    String expected = "PAID".equals(e.resolvedOutcome()) ? "SUCCEEDED" : "FAILED";
                    if (!expected.equals(p.status())) {
                        checker.fail(
                                "I7",
                                "reconciliation resolved payment " + p.id() + " as " + e.resolvedOutcome()
                                        + " but it is " + p.status());
                    }
                }
            }
        }
        if (resting > x.reconciliationCap()) {
            checker.fail(
                    "I7",
                    resting + " payments rest in reconciliation at the end; the scenario allows "
                            + x.reconciliationCap());
        }
    }
}
