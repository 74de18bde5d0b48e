package io.walletoutbox.wallet.internal;

import javax.sql.DataSource;

/** Placeholder until the ledger lands. */
public final class WalletMigrations {
    private WalletMigrations() {}

    public static void apply(DataSource dataSource) {
        throw new UnsupportedOperationException("ledger schema not written yet");
    }
}
