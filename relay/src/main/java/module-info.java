/**
 * Relays: move committed outbox events to Kafka and delete them once acknowledged. The polling relay leases
 * shards of the outbox with {@code SELECT … FOR UPDATE SKIP LOCKED}, so many instances share the work while each
 * key's events stay in order. A library: it knows nothing of wallets, works on a {@link javax.sql.DataSource} with
 * plain JDBC (no Jdbi), and needs Micrometer only for {@link io.walletoutbox.relay.RelayMeterBinder}.
 */
module io.walletoutbox.relay {
    requires transitive io.walletoutbox.outbox;
    requires transitive kafka.clients;
    // Only RelayMeterBinder (a MeterBinder) names Micrometer's types: an application that binds it has Micrometer;
    // creating and running a relay loads none of its classes.
    requires static micrometer.core;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    // Spans (issue 23), only through the module's internal Traces class, which does nothing without them.
    requires static io.opentelemetry.api;
    requires static io.opentelemetry.context;
    // The API takes a DataSource (PollingRelay.create).
    requires transitive java.sql;

    exports io.walletoutbox.relay;
    // The CDC relay sends its batches with the polling relay's sender (one piece of per-key ordering logic).
    exports io.walletoutbox.relay.internal to
            io.walletoutbox.relay.cdc;
}
