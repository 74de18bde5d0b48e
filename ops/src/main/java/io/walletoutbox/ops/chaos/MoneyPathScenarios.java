package io.walletoutbox.ops.chaos;

import io.walletoutbox.ops.chaos.Scenarios.Scenario;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The scenarios of issue 20 (only the ledger says what is charged, and an attempt that may still land is never
 * refunded): charges that land at the biller after the client gave up while an operator keeps trying to decline
 * them ({@link LateLandingScenario}), forged records and logical messages naming real payments with foreign values
 * ({@link ForgedRecordsScenario}), and payment requests parked by Kafka and discarded by an operator ({@link
 * DiscardedEventsScenario}). Each checks I1–I7 like every scenario, plus what it is about.
 */
final class MoneyPathScenarios {
    private MoneyPathScenarios() {}

    static List<Scenario> all() {
        return List.of(
                new Scenario("late-landing-charges", List.of(), LateLandingScenario::setup, LateLandingScenario::run),
                new Scenario("forged-records", List.of(), ForgedRecordsScenario::setup, ForgedRecordsScenario::polling),
                new Scenario(
                        "cdc-forged-logical-messages",
                        List.of(),
                        ForgedRecordsScenario::setup,
                        ForgedRecordsScenario::cdc),
                new Scenario(
                        "discarded-payment-events",
                        List.of(),
                        DiscardedEventsScenario::setup,
                        DiscardedEventsScenario::run));
    }

    static boolean longMode(ScenarioRun r) {
        return r.load.duration().toSeconds() >= 30;
    }

    /**
     * Writes a {@code BILLERS_FILE} with {@code properties} for the scenario's services and returns its path (a
     * temporary file, removed when the suite exits).
     */
    static Path billersFile(String properties) throws IOException {
        Path file = Files.createTempFile("chaos-billers-", ".properties");
        file.toFile().deleteOnExit();
        Files.writeString(file, properties);
        return file;
    }

    /** The one number {@code sql} answers. */
    static long count(Connection c, String sql) throws SQLException {
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** {@link #count(Connection, String)} on a connection of its own. */
    static long count(ScenarioRun r, String sql) throws SQLException {
        try (Connection c = r.db()) {
            return count(c, sql);
        }
    }
}
