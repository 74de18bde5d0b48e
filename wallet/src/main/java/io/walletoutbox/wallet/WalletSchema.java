package io.walletoutbox.wallet;

import io.walletoutbox.outbox.SchemaMigrations;
import java.util.Map;
import javax.sql.DataSource;

/** The wallet's tables (accounts, transfers, bill payments, idempotency keys), by versioned migrations. */
public final class WalletSchema {
    private WalletSchema() {}

    /** Applies pending migrations (history table {@code wallet_schema_history}); safe from several processes. */
    public static void migrate(DataSource dataSource) {
        SchemaMigrations.apply(dataSource, "wallet", "classpath:io/walletoutbox/wallet/db", Map.of());
    }
}
