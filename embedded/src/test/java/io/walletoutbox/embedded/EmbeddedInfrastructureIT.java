package io.walletoutbox.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedInfrastructureIT {

    @Test
    void postgresKeepsDataAcrossRestartsAndRunsWithLogicalWal(@TempDir Path dir) throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir.resolve("pg"), 0)) {
            pg.createDatabaseIfAbsent("kept");
            try (var c = DriverManager.getConnection(pg.jdbcUrl("kept"), EmbeddedPostgres.USER, "");
                    var s = c.createStatement()) {
                s.execute("CREATE TABLE t (v int); INSERT INTO t VALUES (42)");
                var rs = s.executeQuery("SHOW wal_level");
                rs.next();
                assertEquals("logical", rs.getString(1));
            }
        }
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir.resolve("pg"), 0);
                var c = DriverManager.getConnection(pg.jdbcUrl("kept"), EmbeddedPostgres.USER, "");
                var rs = c.createStatement().executeQuery("SELECT v FROM t")) {
            assertTrue(rs.next());
            assertEquals(42, rs.getInt(1));
        }
    }

    @Test
    void brokerDiesWithItsParentEvenAfterKillMinus9(@TempDir Path dir) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process holder = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        BrokerHolder.class.getName(),
                        dir.resolve("kafka").toString())
                .redirectErrorStream(true)
                .start();
        long brokerPid = -1;
        try (var out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("BROKER_PID=")) {
                    brokerPid = Long.parseLong(
                            line.substring("BROKER_PID=".length()).trim());
                    break;
                }
            }
            assertTrue(brokerPid > 0, "the holder printed the broker's pid");
            ProcessHandle broker = ProcessHandle.of(brokerPid).orElseThrow();
            assertTrue(broker.isAlive());

            holder.destroyForcibly(); // SIGKILL: no shutdown hook of the parent runs
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
            broker.onExit().get(60, TimeUnit.SECONDS);
            assertFalse(broker.isAlive(), "the broker stopped by itself when its parent died");
        } finally {
            holder.destroyForcibly();
            if (brokerPid > 0) {
                ProcessHandle.of(brokerPid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void sharedInfrastructureGivesEachCallerItsOwnDatabaseAndTopic() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        String a = infra.newDatabase("alpha");
        String b = infra.newDatabase("alpha");
        assertFalse(a.equals(b));
        try (var c = DriverManager.getConnection(a, infra.user(), "")) {
            assertTrue(c.isValid(2));
        }
        assertFalse(infra.newTopic("t", 2).equals(infra.newTopic("t", 2)));
    }
}
