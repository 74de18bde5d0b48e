package io.walletoutbox.ops.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The I1 check of the chaos suite (see {@link #check}); its violations go to the {@link Checker} under I1. */
final class ConservationCheck {
    private ConservationCheck() {}

    /** I1, money is conserved: the sum of all balances is zero, and every balance is its transfers' credits − debits. */
    static void check(Checker checker, Connection c) throws SQLException {
        long total = Checker.single(c, "SELECT coalesce(sum(balance), 0) FROM account");
        if (total != 0) {
            checker.fail("I1", "sum of all balances is " + total + ", not 0");
        }
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT a.id, a.kind, a.balance, coalesce(cr.s, 0) - coalesce(dr.s, 0) AS entries
                        FROM account a
                        LEFT JOIN (SELECT credit_account AS id, sum(amount) AS s FROM transfer GROUP BY 1) cr
                               ON cr.id = a.id
                        LEFT JOIN (SELECT debit_account AS id, sum(amount) AS s FROM transfer GROUP BY 1) dr
                               ON dr.id = a.id
                        WHERE a.balance <> coalesce(cr.s, 0) - coalesce(dr.s, 0)""")) {
            while (rs.next()) {
                checker.fail(
                        "I1",
                        rs.getString(2) + " account " + rs.getString(1) + " balance " + rs.getLong(3)
                                + " ≠ credits − debits " + rs.getLong(4));
            }
        }
    }
}
