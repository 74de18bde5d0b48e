package io.walletoutbox.outbox;

import io.walletoutbox.outbox.internal.FlywayMigrations;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Runs one module's versioned migrations (Flyway) with a history table of its own ({@code <name>_schema_history}),
 * so modules sharing a database migrate independently. Safe from several processes at once: Flyway serialises
 * migrations on an existing history table; the one race it leaves, two processes on an empty database both
 * deciding to create or baseline a history table, fails one of them, which then tries again and finds the table.
 *
 * <p>Flyway is an optional dependency of the outbox: the caller brings {@code org.flywaydb:flyway-core} and {@code
 * org.flywaydb:flyway-database-postgresql} (on the module path, resolved: e.g. {@code requires flyway.core} in its
 * own module, or {@code --add-modules flyway.core}). The rest of the outbox runs without it.
 */
public final class SchemaMigrations {
    private SchemaMigrations() {}

    /**
     * Applies the pending migrations found at {@code location} (for example {@code classpath:com/acme/db}).
     *
     * @param dataSource the database, migrated on connections of its own
     * @param name the module's name: the history table is {@code <name>_schema_history}
     * @param location Flyway's location of the scripts ({@code classpath:…} or {@code filesystem:…})
     * @param placeholders values for {@code ${…}} placeholders in the scripts
     * @throws IllegalArgumentException when {@code name} is not a plain lower-case name ({@code [a-z][a-z0-9_]{0,40}})
     * @throws IllegalStateException when Flyway is not on the class or module path (nothing is done)
     * @throws RuntimeException Flyway's {@code FlywayException} when the migrations still fail after a few attempts
     */
    public static void apply(DataSource dataSource, String name, String location, Map<String, String> placeholders) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(placeholders, "placeholders");
        if (!name.matches("[a-z][a-z0-9_]{0,40}")) {
            throw new IllegalArgumentException("not a plain module name: " + name);
        }
        requireFlyway();
        FlywayMigrations.apply(dataSource, name, location, placeholders);
    }

    /**
     * Throws the one message the outbox gives when Flyway is missing.
     *
     * @throws IllegalStateException when Flyway is not on the class or module path
     */
    static void requireFlyway() {
        if (!flywayReadable()) {
            throw new IllegalStateException("the outbox's schema migrations need Flyway, an optional dependency:"
                    + " add org.flywaydb:flyway-core and org.flywaydb:flyway-database-postgresql (on the module"
                    + " path, resolved with requires flyway.core or --add-modules flyway.core), or create the"
                    + " tables with the plain DDL of OutboxSchema.ddl(config) (for the default tables also shipped under"
                    + " io/walletoutbox/outbox/schema in the outbox jar)");
        }
    }

    /**
     * Whether Flyway can be used from this module: on the class path, or a module this one reads (a named module
     * reads it only when it was resolved, {@code requires static}). Names no Flyway type, so it runs without it.
     */
    private static boolean flywayReadable() {
        try {
            Class<?> flyway = Class.forName(
                    "org.flywaydb.core.api.FlywayException", false, SchemaMigrations.class.getClassLoader());
            Module self = SchemaMigrations.class.getModule();
            return !self.isNamed() || self.canRead(flyway.getModule());
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
