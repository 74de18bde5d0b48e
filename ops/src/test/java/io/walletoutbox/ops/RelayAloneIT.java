package io.walletoutbox.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The polling relay runs with no Jdbi, no Micrometer and no Flyway (issue 24): a child JVM, the JDK of this test,
 * whose module path holds only the outbox and relay modules, kafka-clients, the PostgreSQL driver, Jackson and SLF4J,
 * resolves the relay module (so its descriptor requires none of the three but statically), creates the outbox's tables
 * with {@code OutboxSchema.ddl}, appends events with the plain-JDBC writer and publishes them to Kafka's {@code
 * MockProducer}: once with {@code PollingRelay.cycle} on its own thread, once with a started relay (workers, sequence
 * probe, vacuum keeper), against a real PostgreSQL.
 */
class RelayAloneIT {
    /** Run in the child with the JDK's source launcher; prints one line per check, exits non-zero on a failure. */
    private static final String PROBE = """
            import io.walletoutbox.outbox.*;
            import io.walletoutbox.relay.*;
            import java.nio.charset.StandardCharsets;
            import java.sql.*;
            import java.util.List;
            import org.apache.kafka.clients.producer.MockProducer;
            import org.apache.kafka.clients.producer.ProducerRecord;
            import org.apache.kafka.common.serialization.ByteArraySerializer;
            import org.apache.kafka.common.serialization.StringSerializer;
            import org.postgresql.ds.PGSimpleDataSource;

            public class Probe {
                public static void main(String[] args) throws Exception {
                    for (String absent : new String[] {
                            "org.jdbi.v3.core.Jdbi", "org.flywaydb.core.Flyway", "io.micrometer.core.instrument.Meter"}) {
                        try {
                            Class.forName(absent);
                            throw new AssertionError(absent + " is on the module path");
                        } catch (ClassNotFoundException expected) {
                            System.out.println("absent " + absent);
                        }
                    }
                    System.out.println("relay module " + PollingRelay.class.getModule().getName());
                    var dataSource = new PGSimpleDataSource();
                    dataSource.setUrl(args[0]);
                    dataSource.setUser(args[1]);
                    // Without Flyway: the DDL the library prints for the configuration (read from its own module).
                    try (Connection c = dataSource.getConnection();
                            Statement s = c.createStatement()) {
                        s.execute(OutboxSchema.ddl(OutboxConfig.DEFAULTS));
                    }
                    OutboxWriter writer = OutboxWriter.create(OutboxConfig.DEFAULTS, () -> {});
                    OutboxEvent first = OutboxEvent.of("Order", "o-1", "OrderPlaced", "orders", "{\\"n\\":1}");
                    OutboxEvent second = OutboxEvent.of("Order", "o-1", "OrderPaid", "orders", "{\\"n\\":2}");
                    append(dataSource, writer, first, second);
                    var config = RelayConfig.builder("alone").topics("orders")
                            .parkingPolicy("orders", ParkingPolicy.BLOCK).build();

                    var drained = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
                    try (PublishingCycle cycle = PollingRelay.cycle(dataSource, drained, config, RelayMetrics.NONE)) {
                        int cycles = 0;
                        while (!cycle.runOnce().idle() && ++cycles < 100) {}
                        System.out.println("publishable " + cycle.publishable());
                    }
                    System.out.println("cycle sent " + describe(drained.history()));
                    System.out.println("expected " + first.id() + "," + second.id());

                    var running = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
                    OutboxEvent third = OutboxEvent.of("Order", "o-2", "OrderPlaced", "orders", "{\\"n\\":3}");
                    try (Relay relay = PollingRelay.create(dataSource, running, config, RelayMetrics.NONE)) {
                        relay.start();
                        append(dataSource, writer, third);
                        long deadline = System.nanoTime() + 30_000_000_000L;
                        while (OutboxAdmin.create(dataSource).status().backlog() > 0 && System.nanoTime() < deadline) {
                            Thread.sleep(10);
                        }
                        System.out.println("relay running " + relay.isRunning());
                    }
                    System.out.println("relay sent " + describe(running.history()));
                    System.out.println("expected " + third.id());
                    System.out.println("backlog " + OutboxAdmin.create(dataSource).status().backlog());
                }

                static void append(PGSimpleDataSource dataSource, OutboxWriter writer, OutboxEvent... events)
                        throws SQLException {
                    try (Connection c = dataSource.getConnection()) {
                        c.setAutoCommit(false);
                        for (OutboxEvent e : events) {
                            writer.append(c, e);
                        }
                        c.commit();
                    }
                }

                /** topic/key/ce_id of each record, comma-separated ids last. */
                static String describe(List<ProducerRecord<String, byte[]>> records) {
                    var ids = new StringBuilder();
                    for (var r : records) {
                        ids.append(ids.isEmpty() ? "" : ",").append(new String(
                                r.headers().lastHeader(OutboxRecords.EVENT_ID_HEADER).value(), StandardCharsets.UTF_8));
                    }
                    return records.size() + " to " + records.stream().map(ProducerRecord::topic).distinct().toList()
                            + " ids " + ids;
                }
            }
            """;

    @Test
    void theRelayPublishesWithNoJdbiNoMicrometerAndNoFlywayOnTheModulePath(@TempDir Path dir) throws Exception {
        List<Path> modulePath = new ArrayList<>();
        modulePath.add(LibraryArtifactsTest.moduleRoot("io.walletoutbox.outbox"));
        modulePath.add(LibraryArtifactsTest.moduleRoot("io.walletoutbox.relay"));
        for (String prefix : List.of(
                "kafka-clients-",
                "postgresql-",
                "jackson-databind-",
                "jackson-core-",
                "jackson-annotations-",
                "slf4j-api-")) {
            modulePath.add(ChildJvm.onTestClassPath(prefix));
        }
        String out = ChildJvm.run(
                dir,
                PROBE,
                // The relay and the driver (an automatic module nothing requires) as roots.
                List.of(
                        "--module-path",
                        ChildJvm.path(modulePath),
                        "--add-modules",
                        "io.walletoutbox.relay,org.postgresql.jdbc"),
                "relay_alone");
        assertTrue(out.contains("absent org.jdbi.v3.core.Jdbi"), out);
        assertTrue(out.contains("absent org.flywaydb.core.Flyway"), out);
        assertTrue(out.contains("absent io.micrometer.core.instrument.Meter"), out);
        assertTrue(out.contains("relay module io.walletoutbox.relay"), out);
        assertTrue(out.contains("publishable 0"), out);
        assertEquals(expected(out, 0), line(out, "cycle sent "), out);
        assertTrue(out.contains("relay running true"), out);
        assertEquals(expected(out, 1), line(out, "relay sent "), out);
        assertTrue(out.contains("backlog 0"), out);
    }

    /** The {@code n}th {@code expected} line of the child as the matching {@code … sent} line should read. */
    private static String expected(String out, int n) {
        String ids = out.lines()
                .filter(l -> l.startsWith("expected "))
                .skip(n)
                .findFirst()
                .orElseThrow(() -> new AssertionError(out))
                .substring("expected ".length());
        return ids.split(",").length + " to [orders] ids " + ids;
    }

    /** The rest of the child's line starting with {@code prefix}. */
    private static String line(String out, String prefix) {
        return out.lines()
                .filter(l -> l.startsWith(prefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError(out))
                .substring(prefix.length());
    }
}
