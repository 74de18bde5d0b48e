package io.walletoutbox.outbox.internal;

import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** Runs one module's Flyway migrations with a history table of its own, so modules migrate independently. */
public final class Migrations {
    private Migrations() {}

    public static void apply(DataSource dataSource, String name, String location, Map<String, String> placeholders) {
        Flyway.configure(Migrations.class.getClassLoader())
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
