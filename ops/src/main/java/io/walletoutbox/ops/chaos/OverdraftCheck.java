package io.walletoutbox.ops.chaos;

import java.sql.Connection;
import java.sql.SQLException;

/** The I2 check of the chaos suite (see {@link #check}); its violations go to the {@link Checker} under I2. */
final class OverdraftCheck {
    private OverdraftCheck() {}

    /**
     * I2, no balance below zero: no account is, but the top-up funding account (the counterpart of every top-up,
     * negative by design).
     */
    static void check(Checker checker, Connection c) throws SQLException {
        long negative =
                Checker.single(c, "SELECT count(*) FROM account WHERE kind <> 'TOP_UP_FUNDING' AND balance < 0");
        if (negative > 0) {
            checker.fail("I2", negative + " wallet/system accounts below zero");
        }
    }
}
