package io.walletoutbox.app.internal.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.jdbi.v3.core.ConnectionException;
import org.junit.jupiter.api.Test;

class DatabaseUnavailableTest {
    @Test
    void poolTimeoutWrappedByJdbiIsUnavailable() {
        var timeout = new SQLTransientConnectionException("wallet-outbox - Connection is not available");
        assertTrue(DatabaseUnavailable.matches(new ConnectionException(timeout)));
    }

    @Test
    void brokenConnectionShutdownAndStandbyAreUnavailable() {
        for (String state : new String[] {"08006", "08001", "57P01", "57P03", "53300", "25006"}) {
            var e = new RuntimeException(new SQLException("x", state));
            assertTrue(DatabaseUnavailable.matches(e), state);
        }
    }

    @Test
    void constraintViolationsAndOtherFailuresAreNot() {
        assertFalse(DatabaseUnavailable.matches(new RuntimeException(new SQLException("dup", "23505"))));
        assertFalse(DatabaseUnavailable.matches(new SQLException("no state")));
        assertFalse(DatabaseUnavailable.matches(new IllegalStateException("bug")));
    }
}
