/**
 * Relays: move committed outbox events to Kafka and delete them once acknowledged. The polling relay leases
 * shards of the outbox with {@code SELECT … FOR UPDATE SKIP LOCKED}, so many instances share the work while each
 * key's events stay in order. A library: it knows nothing of wallets.
 */
module io.walletoutbox.relay {
    requires transitive io.walletoutbox.outbox;
    // The relay's API takes a Jdbi (PollingRelay.create): its own requirement, no longer the outbox's.
    requires transitive org.jdbi.v3.core;
    requires transitive kafka.clients;
    requires transitive micrometer.core;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    // Spans (issue 23), only through the module's internal Traces class, which does nothing without them.
    requires static io.opentelemetry.api;
    requires static io.opentelemetry.context;
    requires java.sql;

    exports io.walletoutbox.relay;
    // The CDC relay sends its batches with the polling relay's sender (one piece of per-key ordering logic).
    exports io.walletoutbox.relay.internal to
            io.walletoutbox.relay.cdc;
}
