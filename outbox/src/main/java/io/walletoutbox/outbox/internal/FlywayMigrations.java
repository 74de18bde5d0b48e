package io.walletoutbox.outbox.internal;

import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * {@link io.walletoutbox.outbox.SchemaMigrations}' use of Flyway, the one class of the module that names a Flyway
 * type: Flyway is optional ({@code requires static}), so this class is loaded only once {@code SchemaMigrations} has
 * found Flyway (linking it loads {@code FlywayException}, the type of its handler).
 */
public final class FlywayMigrations {
    private static final int ATTEMPTS = 5;

    private FlywayMigrations() {}

    /** See {@link io.walletoutbox.outbox.SchemaMigrations#apply}. */
    public static void apply(DataSource dataSource, String name, String location, Map<String, String> placeholders) {
        for (int attempt = 1; ; attempt++) {
            try {
                Flyway.configure(FlywayMigrations.class.getClassLoader())
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
