package io.walletoutbox.outbox;

import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Runs one module's versioned migrations (Flyway) with a history table of its own ({@code <name>_schema_history}),
 * so modules sharing a database migrate independently. Safe from several processes at once: Flyway serialises
 * them with a database lock.
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
        Flyway.configure(SchemaMigrations.class.getClassLoader())
                .dataSource(dataSource)
                .table(name + "_schema_history")
                .locations(location)
                .placeholders(placeholders)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }
}
