package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class PermanentFailureTest {

    @Test
    void dataAndConstraintErrorsAreLedgerRefusalsButUniqueViolationsAndOthersAreNot() {
        assertTrue(PermanentFailure.isLedgerRefusal(new RuntimeException(new SQLException("check", "23514"))));
        assertTrue(PermanentFailure.isLedgerRefusal(new SQLException("too long", "22001")));
        assertTrue(PermanentFailure.isLedgerRefusal(new SQLException("nul", "22021")));
        assertFalse(PermanentFailure.isLedgerRefusal(new SQLException("unique", "23505")), "a concurrent writer");
        assertFalse(PermanentFailure.isLedgerRefusal(new SQLException("serialization", "40001")));
        assertFalse(PermanentFailure.isLedgerRefusal(new SQLException("connection", "08006")));
        assertFalse(PermanentFailure.isLedgerRefusal(new IllegalStateException("down")));
        var chained = new SQLException("batch", "XX000");
        chained.setNextException(new SQLException("check", "23514"));
        assertTrue(PermanentFailure.isLedgerRefusal(chained));
    }
}
