package io.walletoutbox.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresPairIT {

    @Test
    void committedRowsAndFailoverSlotSurviveKillAndPromotion(@TempDir Path dir) throws Exception {
        try (var pair = EmbeddedPostgresPair.start(dir)) {
            pair.createDatabaseIfAbsent("pair");
            String url = pair.jdbcUrl("pair");
            try (Connection c = connect(url);
                    var s = c.createStatement()) {
                s.execute("CREATE TABLE t (v int)");
                s.execute("SELECT pg_create_logical_replication_slot('pair_cdc', 'pgoutput', false, false, true)");
                s.execute("INSERT INTO t SELECT generate_series(1, 100)");
                var sync = s.executeQuery("SELECT sync_state FROM pg_stat_replication");
                assertTrue(sync.next());
                assertEquals("sync", sync.getString(1));
            }
            // A reader confirming its position: the standby persists its copy of the slot once the primary's slot
            // has moved past the WAL position and catalog xmin the standby started from.
            var synced = new java.util.concurrent.atomic.AtomicBoolean();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (Connection c = connect(url);
                        var s = c.createStatement()) {
                    while (!synced.get()) {
                        s.execute("SELECT pg_log_standby_snapshot()");
                        s.execute("SELECT pg_replication_slot_advance('pair_cdc', pg_current_wal_lsn())");
                        Thread.sleep(100);
                    }
                } catch (SQLException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                pair.awaitSlotSynchronised("pair_cdc", Duration.ofSeconds(60));
            } finally {
                synced.set(true);
                reader.join();
            }
            int oldPrimary = pair.primary().port();

            long t0 = System.nanoTime();
            pair.killPrimary();
            long t1 = System.nanoTime();
            assertFalse(pair.primary().isAlive());
            pair.promoteStandby();
            System.out.printf(
                    "kill -9 took %.2f s, promotion %.2f s%n", (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);

            assertTrue(pair.primary().port() != oldPrimary);
            try (Connection c = connect(url);
                    var s = c.createStatement()) {
                var count = s.executeQuery("SELECT count(*) FROM t");
                count.next();
                assertEquals(100, count.getInt(1), "every committed row is on the promoted standby");
                var slot = s.executeQuery("SELECT failover FROM pg_replication_slots WHERE slot_name = 'pair_cdc'");
                assertTrue(slot.next(), "the failover slot followed the promotion");
                assertTrue(slot.getBoolean(1));
                // Commits do not wait for a standby the new primary does not have.
                s.execute("INSERT INTO t VALUES (101)");
                var settings = s.executeQuery("SHOW synchronous_standby_names");
                settings.next();
                assertEquals("", settings.getString(1));
                var port = s.executeQuery("SELECT inet_server_port()");
                port.next();
                assertEquals(pair.primary().port(), port.getInt(1));
            }
        }
    }

    private static Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url, EmbeddedPostgres.USER, "");
    }
}
