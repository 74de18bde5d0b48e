package io.walletoutbox.wallet.internal;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** The wallet's Flyway migrations, with a history table of their own so modules migrate independently. */
public final class WalletMigrations {
    private WalletMigrations() {}

    public static void apply(DataSource dataSource) {
        Flyway.configure(WalletMigrations.class.getClassLoader())
                .dataSource(dataSource)
                .table("wallet_schema_history")
                .locations("classpath:io/walletoutbox/wallet/db")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }
}
