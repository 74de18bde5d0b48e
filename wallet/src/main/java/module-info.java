/**
 * The wallet: a double-entry ledger on PostgreSQL (user wallets and system accounts, immutable transfers),
 * bill payments ({@code PENDING → SUCCEEDED | FAILED}) whose request event goes through the outbox in the same
 * transaction as the debit, the store of API idempotency keys, and the ledger's metrics.
 */
module io.walletoutbox.wallet {
    requires transitive io.walletoutbox.outbox;
    requires transitive org.jdbi.v3.core;
    requires transitive micrometer.core;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    // Spans (issue 23), only through the module's internal Traces class, which does nothing without them.
    requires static io.opentelemetry.api;
    requires static io.opentelemetry.context;
    requires transitive java.sql;

    exports io.walletoutbox.wallet;
}
