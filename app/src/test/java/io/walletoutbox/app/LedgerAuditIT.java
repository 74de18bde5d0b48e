package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walletoutbox.embedded.SharedInfrastructure;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The periodic ledger audit of a running service: {@code ledger_audit_differences} is 0 on a consistent ledger and
 * counts a difference made behind the database's constraint (by a superuser skipping triggers, the one way left).
 */
class LedgerAuditIT {
    private static final Pattern DIFFERENCES = Pattern.compile("(?m)^ledger_audit_differences (\\S+)$");
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        service = new ServiceHarness("ledger_audit_app", Map.of("LEDGER_AUDIT_INTERVAL", "1s"));
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    @Test
    void theAuditExportsZeroOnAConsistentLedgerAndCountsAForgedBalance() throws SQLException {
        String wallet = service.walletWith(2_500);
        ServiceHarness.await(
                Duration.ofSeconds(30),
                "an audit with no differences",
                () -> differences().equals(Optional.of(0.0)));
        assertEquals(200, service.get("/metrics").statusCode());

        try (Connection c = DriverManager.getConnection(
                        service.jdbcUrl, SharedInfrastructure.get().user(), "");
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL session_replication_role = replica");
            s.executeUpdate("UPDATE account SET balance = balance + 100000 WHERE id = '" + wallet + "'");
            c.commit();
        }
        // the wallet out of balance, and the balances no longer summing to zero
        ServiceHarness.await(
                Duration.ofSeconds(30),
                "the audit to count the forged balance",
                () -> differences().equals(Optional.of(2.0)));
    }

    private static Optional<Double> differences() {
        Matcher m = DIFFERENCES.matcher(service.get("/metrics").body());
        return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
    }
}
