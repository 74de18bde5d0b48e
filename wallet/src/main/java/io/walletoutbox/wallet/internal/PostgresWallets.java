package io.walletoutbox.wallet.internal;

/** Placeholder until the ledger lands. */
public abstract class PostgresWallets implements io.walletoutbox.wallet.Wallets {
    protected PostgresWallets(
            org.jdbi.v3.core.Jdbi jdbi,
            io.walletoutbox.outbox.OutboxWriter outbox,
            io.walletoutbox.wallet.WalletConfig config) {}
}
