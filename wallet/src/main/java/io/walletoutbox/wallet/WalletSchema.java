package io.walletoutbox.wallet;

import io.walletoutbox.wallet.internal.WalletMigrations;
import javax.sql.DataSource;

/** The wallet's tables (accounts, transfers, bill payments, idempotency keys), by versioned migrations. */
public final class WalletSchema {
    private WalletSchema() {}

    /** Applies pending migrations (history table {@code wallet_schema_history}); safe from several processes. */
    public static void migrate(DataSource dataSource) {
        WalletMigrations.apply(dataSource);
    }
}
