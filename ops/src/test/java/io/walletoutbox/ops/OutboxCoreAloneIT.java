package io.walletoutbox.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox core runs with no Jdbi and no Flyway (issue 24): a child JVM, the JDK of this test, whose class path
 * holds only the outbox jar, the PostgreSQL driver, Jackson and SLF4J, loads {@code OutboxWriter}, finds {@code
 * OutboxSchema.migrate} refusing with its one clear message, creates the tables with {@code OutboxSchema.ddl}, and
 * appends, commits, reads the inbox and the admin's status through plain java.sql, against a real PostgreSQL.
 */
class OutboxCoreAloneIT {
    /** Run in the child with the JDK's source launcher; prints one line per check, exits non-zero on a failure. */
    private static final String PROBE = """
            import io.walletoutbox.outbox.*;
            import java.nio.charset.StandardCharsets;
            import java.sql.*;
            import java.util.UUID;
            import org.postgresql.ds.PGSimpleDataSource;

            public class Probe {
                public static void main(String[] args) throws Exception {
                    for (String absent : new String[] {"org.jdbi.v3.core.Jdbi", "org.flywaydb.core.Flyway"}) {
                        try {
                            Class.forName(absent);
                            throw new AssertionError(absent + " is on the class path");
                        } catch (ClassNotFoundException expected) {
                            System.out.println("absent " + absent);
                        }
                    }
                    var dataSource = new PGSimpleDataSource();
                    dataSource.setUrl(args[0]);
                    dataSource.setUser(args[1]);
                    try {
                        OutboxSchema.migrate(dataSource, OutboxConfig.DEFAULTS);
                        throw new AssertionError("migrate ran without Flyway");
                    } catch (IllegalStateException e) {
                        System.out.println("migrate refused: " + e.getMessage());
                    }
                    // Without Flyway the adopter runs the DDL the library prints for its configuration.
                    String ddl = OutboxSchema.ddl(OutboxConfig.DEFAULTS);
                    int[] wakeUps = {0};
                    OutboxWriter writer = OutboxWriter.create(OutboxConfig.DEFAULTS, () -> wakeUps[0]++);
                    Inbox inbox = Inbox.create();
                    UUID processed = UUID.randomUUID();
                    try (Connection c = dataSource.getConnection()) {
                        try (Statement s = c.createStatement()) {
                            s.execute(ddl);
                        }
                        c.setAutoCommit(false);
                        writer.append(c, OutboxEvent.of("Order", "o-1", "OrderPlaced", "orders", "{}"));
                        inbox.markProcessed(c, "orders", processed);
                        c.commit();
                        writer.committed();
                        writer.append(c, OutboxEvent.of("Order", "o-2", "OrderPlaced", "orders", "{}"));
                        c.rollback();
                        c.setAutoCommit(true);
                        System.out.println("processed " + inbox.isProcessed(c, "orders", processed));
                    }
                    System.out.println("wake-ups " + wakeUps[0]);
                    System.out.println("backlog " + OutboxAdmin.create(dataSource).status().backlog());
                }
            }
            """;

    @Test
    void theCoreAppendsThroughJavaSqlWithNoJdbiAndNoFlywayOnTheClassPath(@TempDir Path dir) throws Exception {
        List<Path> classPath = new ArrayList<>();
        classPath.add(LibraryArtifactsTest.moduleRoot("io.walletoutbox.outbox"));
        for (String prefix :
                List.of("postgresql-", "jackson-databind-", "jackson-core-", "jackson-annotations-", "slf4j-api-")) {
            classPath.add(ChildJvm.onTestClassPath(prefix));
        }
        String out = ChildJvm.run(dir, PROBE, List.of("-cp", ChildJvm.path(classPath)), "outbox_alone");
        assertTrue(out.contains("absent org.jdbi.v3.core.Jdbi"), out);
        assertTrue(out.contains("absent org.flywaydb.core.Flyway"), out);
        assertTrue(out.contains("migrate refused: the outbox's schema migrations need Flyway"), out);
        assertTrue(out.contains("processed true"), out);
        assertTrue(out.contains("wake-ups 1"), out);
        assertTrue(out.contains("backlog 1"), out);
    }
}
