/**
 * The wallet: a double-entry ledger on PostgreSQL (user wallets and system accounts, immutable transfers),
 * bill payments ({@code PENDING → SUCCEEDED | FAILED}) whose request event goes through the outbox in the same
 * transaction as the debit, and the store of API idempotency keys.
 */
module io.walletoutbox.wallet {
    requires transitive io.walletoutbox.outbox;
    requires com.fasterxml.jackson.databind;
    requires flyway.core;
    requires org.slf4j;
    requires java.sql;

    exports io.walletoutbox.wallet;
}
