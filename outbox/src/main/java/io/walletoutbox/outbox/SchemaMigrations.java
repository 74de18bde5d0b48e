package io.walletoutbox.outbox;

import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * Runs one module's versioned migrations (Flyway) with a history table of its own ({@code <name>_schema_history}),
 * so modules sharing a database migrate independently. Safe from several processes at once: Flyway serialises
 * migrations on an existing history table; the one race it leaves, two processes on an empty database both
 * deciding to create or baseline a history table, fails one of them, which then tries again and finds the table.
 */
public final class SchemaMigrations {
    private static final int ATTEMPTS = 5;

    private SchemaMigrations() {}

    /**
     * Applies the pending migrations found at {@code location} (for example {@code classpath:com/acme/db}).
     *
     * @param name the module's name: the history table is {@code <name>_schema_history}
     * @param placeholders values for {@code ${…}} placeholders in the scripts
     * @throws FlywayException when the migrations still fail after a few attempts
     */
    public static void apply(DataSource dataSource, String name, String location, Map<String, String> placeholders) {
        if (!name.matches("[a-z][a-z0-9_]{0,40}")) {
            throw new IllegalArgumentException("not a plain module name: " + name);
        }
        for (int attempt = 1; ; attempt++) {
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
                return;
            } catch (FlywayException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
                // Another process may be creating the history table right now: give it a moment, then look again.
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
