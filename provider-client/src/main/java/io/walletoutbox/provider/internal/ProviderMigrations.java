package io.walletoutbox.provider.internal;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** Runs this module's Flyway migrations with a history table of its own, so modules migrate independently. */
public final class ProviderMigrations {
    private ProviderMigrations() {}

    public static void apply(DataSource dataSource) {
        Flyway.configure(ProviderMigrations.class.getClassLoader())
                .dataSource(dataSource)
                .table("provider_schema_history")
                .locations("classpath:io/walletoutbox/provider/db")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }
}
