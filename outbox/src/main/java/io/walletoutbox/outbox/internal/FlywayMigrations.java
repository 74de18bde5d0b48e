package io.walletoutbox.outbox.internal;

import io.walletoutbox.outbox.OutboxConfig;
import java.sql.Statement;
import java.util.Map;
import java.util.zip.CRC32;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

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
        migrate(() -> Flyway.configure(FlywayMigrations.class.getClassLoader())
                .dataSource(dataSource)
                .table(name + "_schema_history")
                .locations(location)
                .placeholders(placeholders)
                .baselineOnMigrate(true)
                .baselineVersion("0"));
    }

    /**
     * The outbox's scripts rendered for {@code config} ({@link SchemaScripts}), as Flyway migrations of their own
     * with history table {@code <prefix>outbox_schema_history} in the configured schema (created when absent): for
     * tables other than the defaults, whose history keeps the scripts as shipped.
     */
    public static void applyRendered(DataSource dataSource, OutboxConfig config) {
        JavaMigration[] migrations = SchemaScripts.SCRIPTS.stream()
                .map(script -> new Rendered(script, SchemaScripts.render(script, config)))
                .toArray(JavaMigration[]::new);
        migrate(() -> {
            FluentConfiguration flyway = Flyway.configure(FlywayMigrations.class.getClassLoader())
                    .dataSource(dataSource)
                    .table(config.tables().localName("outbox_schema_history"))
                    // Only these migrations: no location is scanned (Flyway's default would pick up the
                    // application's own db/migration scripts).
                    .locations("classpath:io/walletoutbox/outbox/internal/none")
                    .javaMigrations(migrations)
                    .baselineOnMigrate(true)
                    .baselineVersion("0");
            config.tables().schema().ifPresent(flyway::schemas);
            return flyway;
        });
    }

    private static void migrate(java.util.function.Supplier<FluentConfiguration> configuration) {
        for (int attempt = 1; ; attempt++) {
            try {
                configuration.get().load().migrate();
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

    /** One rendered script as a Flyway migration; its checksum is the rendered text's, as Flyway's for SQL. */
    private record Rendered(SchemaScripts.Script script, String sql) implements JavaMigration {
        @Override
        public MigrationVersion getVersion() {
            return MigrationVersion.fromVersion(Integer.toString(script.version()));
        }

        @Override
        public String getDescription() {
            return script.description();
        }

        @Override
        public Integer getChecksum() {
            CRC32 crc = new CRC32();
            crc.update(sql.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return (int) crc.getValue();
        }

        @Override
        public boolean canExecuteInTransaction() {
            return true;
        }

        @Override
        public void migrate(Context context) throws Exception {
            try (Statement statement = context.getConnection().createStatement()) {
                statement.execute(sql);
            }
        }
    }
}
