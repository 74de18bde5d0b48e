package io.walletoutbox.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Runs one module's versioned migrations (Flyway) with a history table of its own ({@code <name>_schema_history}),
 * so modules sharing a database migrate independently. Safe from several processes at once: every call holds one
 * PostgreSQL advisory lock, shared by all modules, for its whole run. Flyway's own lock covers one history table
 * only, and two processes starting on an empty database would otherwise race in deciding whether to baseline.
 */
public final class SchemaMigrations {
    private SchemaMigrations() {}

    /**
     * Applies the pending migrations found at {@code location} (for example {@code classpath:com/acme/db}).
     *
     * @param name the module's name: the history table is {@code <name>_schema_history}
     * @param placeholders values for {@code ${…}} placeholders in the scripts
     */
    public static void apply(DataSource dataSource, String name, String location, Map<String, String> placeholders) {
        if (!name.matches("[a-z][a-z0-9_]{0,40}")) {
            throw new IllegalArgumentException("not a plain module name: " + name);
        }
        try (Connection lock = dataSource.getConnection()) {
            try (var s = lock.prepareStatement("SELECT pg_advisory_lock(?)")) {
                s.setLong(1, LOCK_KEY);
                s.execute();
            }
            try {
                Flyway.configure(SchemaMigrations.class.getClassLoader())
                        .dataSource(dataSource)
                        .table(name + "_schema_history")
                        .locations(location)
                        .placeholders(placeholders)
                        .baselineOnMigrate(true)
                        .baselineVersion("0")
                        .load()
                        .migrate();
            } finally {
                try (var s = lock.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    s.setLong(1, LOCK_KEY);
                    s.execute();
                }
            }
        } catch (SQLException e) {
            throw new OutboxException("could not lock the database for migrating " + name + ": " + e.getMessage(), e);
        }
    }

    /** The advisory lock key of schema migrations (an arbitrary constant: "walletoutbox-migrations"). */
    private static final long LOCK_KEY = 0x77616c6c65746d67L;
}
