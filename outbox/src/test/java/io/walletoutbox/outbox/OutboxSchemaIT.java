package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import liquibase.Contexts;
import liquibase.Liquibase;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.DirectoryResourceAccessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adopter owns the schema: the outbox in a schema and with a table prefix of its choosing, migrated by the
 * library when asked, or by the adopter's own tools from the printed DDL or the Liquibase changelog; {@code validate}
 * at start; and the upgrade path of existing deployments (default tables, the scripts they were migrated with).
 * Each way must leave the same catalog (tables, columns, indexes, functions, shard rows) up to the names.
 */
class OutboxSchemaIT {
    private static final OutboxTables SHOP = OutboxTables.of("shop", "shop_");

    private static DataSource database(String name) {
        return TestPools.pool(SharedInfrastructure.get().newDatabase(name), 2).open(); // lives as long as the JVM
    }

    @Test
    void aPrefixedOutboxInItsOwnSchemaIsMigratedValidatedAndUsedLeavingPublicEmpty() throws SQLException {
        DataSource ds = database("schema_shop");
        OutboxConfig config = new OutboxConfig(8, SHOP);
        OutboxSchema.migrate(ds, config);
        OutboxSchema.migrate(ds, config); // a second start finds nothing to do
        OutboxSchema.validate(ds, config);
        assertEquals(0L, one(ds, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"));
        assertEquals(8L, one(ds, "SELECT count(*) FROM shop.shop_outbox_shard"));
        assertEquals(1L, one(ds, "SELECT count(*) FROM shop.shop_outbox_schema_history WHERE version = '8'"));

        // The core's statements all go to the prefixed tables.
        OutboxWriter writer = OutboxWriter.builder().config(config).build();
        Inbox inbox = Inbox.create(SHOP);
        OutboxEvent event = OutboxEvent.of("Order", "o-1", "OrderPlaced", "shop.orders", "{}");
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            writer.append(c, event);
            assertTrue(inbox.markProcessed(c, "shipping", event.id()));
            c.commit();
            assertTrue(inbox.isProcessed(c, "shipping", event.id()));
            c.commit();
        }
        assertEquals(1L, one(ds, "SELECT count(*) FROM shop.shop_outbox_event"));
        assertEquals(
                1,
                OutboxAdmin.create(ds, OutboxMode.TABLE, WriteGate.OPEN, SHOP)
                        .status()
                        .backlog());
        OutboxModes.claim(ds, SHOP, OutboxMode.TABLE);
        assertEquals(OutboxMode.TABLE, OutboxModes.recorded(ds, SHOP).orElseThrow());
        assertEquals(
                config.tables().name("outbox_append"),
                writer.serverSide(event).orElseThrow().function(),
                "a caller's own SQL calls the prefixed append function");
    }

    @Test
    void validateNamesWhatIsMissingAndAWrongShardCountAndChangesNothing() throws SQLException {
        DataSource ds = database("schema_validate");
        var missing = assertThrows(
                OutboxException.SchemaMismatchException.class, () -> OutboxSchema.validate(ds, OutboxConfig.DEFAULTS));
        assertTrue(missing.problems().contains("table outbox_event is missing"), missing.getMessage());
        assertTrue(
                missing.problems()
                        .contains("function outbox_append(text,text,uuid,integer,text,text,text,text,text,"
                                + "jsonb,timestamptz) is missing"),
                missing.getMessage());
        assertEquals(0L, one(ds, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"));

        OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
        var shards = assertThrows(
                OutboxException.SchemaMismatchException.class, () -> OutboxSchema.validate(ds, new OutboxConfig(128)));
        assertEquals(1, shards.problems().size(), shards.getMessage());
        assertTrue(shards.getMessage().contains("does not hold shards 0..127"), shards.getMessage());
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute("ALTER TABLE outbox_parked DROP COLUMN parked_at");
        }
        var column = assertThrows(
                OutboxException.SchemaMismatchException.class, () -> OutboxSchema.validate(ds, OutboxConfig.DEFAULTS));
        assertEquals(List.of("table outbox_parked has no column parked_at"), column.problems());
    }

    /**
     * Existing deployments: the scripts they were migrated with (Flyway, default tables) and the plain DDL an adopter
     * runs itself leave the same catalog; so do the prefixed migration and the Liquibase changelog, up to the names.
     */
    @Test
    void everyWayToCreateTheSchemaLeavesTheSameCatalog(@TempDir Path dir) throws Exception {
        DataSource flyway = database("schema_flyway");
        OutboxSchema.migrate(flyway, OutboxConfig.DEFAULTS);
        List<String> expected = catalog(flyway, OutboxTables.DEFAULTS);
        assertTrue(expected.size() > 40, "the catalog has the outbox's objects: " + expected);

        DataSource plain = database("schema_plain");
        run(plain, OutboxSchema.ddl(OutboxConfig.DEFAULTS));
        assertEquals(expected, catalog(plain, OutboxTables.DEFAULTS), "the printed DDL");
        OutboxSchema.validate(plain, OutboxConfig.DEFAULTS);

        DataSource shipped = database("schema_shipped");
        org.flywaydb.core.Flyway.configure()
                .dataSource(shipped)
                .locations("classpath:io/walletoutbox/outbox/schema/flyway")
                .load()
                .migrate();
        assertEquals(expected, catalog(shipped, OutboxTables.DEFAULTS), "the shipped scripts in an adopter's Flyway");

        DataSource prefixed = database("schema_prefixed");
        OutboxSchema.migrate(prefixed, OutboxConfig.DEFAULTS.withTables(SHOP));
        assertEquals(expected, catalog(prefixed, SHOP), "the library's migration of the prefixed tables");

        DataSource liquibase = database("schema_liquibase");
        OutboxTables other = OutboxTables.of("billing", "b_");
        Files.writeString(
                dir.resolve("changelog.sql"), OutboxSchema.liquibaseChangelog(OutboxConfig.DEFAULTS.withTables(other)));
        try (Connection c = liquibase.getConnection();
                var accessor = new DirectoryResourceAccessor(dir)) {
            var db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            new Liquibase("changelog.sql", accessor, db).update(new Contexts());
        }
        assertEquals(expected, catalog(liquibase, other), "the Liquibase changelog");
        OutboxSchema.validate(liquibase, OutboxConfig.DEFAULTS.withTables(other));
    }

    @Test
    void theSchemaToolPrintsTheDdlOrTheChangelogAndRefusesABadPrefix() {
        String ddl = OutboxSchema.render(List.of("--schema", "shop", "--prefix", "shop_", "--shards", "8"));
        assertEquals(OutboxSchema.ddl(new OutboxConfig(8, SHOP)), ddl);
        assertTrue(OutboxSchema.render(List.of("--liquibase")).startsWith("--liquibase formatted sql"));
        assertThrows(IllegalArgumentException.class, () -> OutboxSchema.render(List.of("--prefix", "Shop-")));
        assertThrows(IllegalArgumentException.class, () -> OutboxSchema.render(List.of("--shards")));
    }

    /**
     * The outbox's objects in a comparable form: names with the tables' schema and prefix taken off, so the default
     * and a prefixed outbox compare equal when they are the same up to the names.
     */
    private static List<String> catalog(DataSource ds, OutboxTables tables) throws SQLException {
        String schema = tables.schema().orElse("public");
        String prefix = tables.prefix();
        List<String> rows = new ArrayList<>();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            query(s, rows, """
                    SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                           || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                           || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                           || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
                    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                    WHERE c.relnamespace = '%1$s'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
                      AND NOT a.attisdropped AND c.relname NOT LIKE '%%schema_history%%'
                      AND c.relname NOT LIKE 'databasechangelog%%'
                    ORDER BY 1
                    """.formatted(schema));
            query(s, rows, """
                    SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = '%1$s'
                      AND tablename NOT LIKE '%%schema_history%%' AND tablename NOT LIKE 'databasechangelog%%'
                    ORDER BY 1
                    """.formatted(schema));
            query(s, rows, """
                    SELECT 'table ' || relname || ' ' || coalesce(array_to_string(reloptions, ','), '')
                    FROM pg_class WHERE relnamespace = '%1$s'::regnamespace AND relkind = 'r'
                      AND relname NOT LIKE '%%schema_history%%' AND relname NOT LIKE 'databasechangelog%%'
                    ORDER BY 1
                    """.formatted(schema));
            query(s, rows, """
                    SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
                    WHERE connamespace = '%1$s'::regnamespace AND conrelid <> 0
                      AND conrelid::regclass::text NOT LIKE '%%schema_history%%'
                      AND conrelid::regclass::text NOT LIKE '%%databasechangelog%%'
                    ORDER BY 1
                    """.formatted(schema));
            query(s, rows, """
                    SELECT 'function ' || pg_get_functiondef(p.oid) || ' acl ' || coalesce(p.proacl::text, 'default')
                    FROM pg_proc p WHERE p.pronamespace = '%1$s'::regnamespace ORDER BY p.proname
                    """.formatted(schema));
            query(s, rows, "SELECT 'shards ' || count(*) FROM " + tables.name("outbox_shard"));
        }
        return rows.stream()
                .map(r -> r.replace(schema + "." + prefix, "")
                        .replace("'" + schema + "'", "'S'")
                        .replace(" " + schema + ",", " S,")
                        .replace(prefix.isEmpty() ? "\u0000" : prefix, ""))
                .sorted()
                .toList();
    }

    private static void query(Statement s, List<String> rows, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
    }

    private static void run(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static long one(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
