/**
 * The CDC relay: reads committed outbox events from PostgreSQL's write-ahead log with Debezium's embedded engine
 * ({@code pgoutput}, logical decoding messages written by {@code OutboxWriter} in {@code LOGICAL_MESSAGE} mode)
 * and publishes the same Kafka records as the polling relay ({@code OutboxRecords}).
 *
 * <p>A module of its own rather than a package of {@code io.walletoutbox.relay}: Debezium brings Kafka Connect's
 * runtime (tens of megabytes) that users of the polling relay should not have to carry, and Kafka Connect's jars
 * are automatic modules that split packages ({@code org.apache.kafka.connect.storage} and {@code …util} are in
 * both {@code connect-api} and {@code connect-runtime}); only this module reads them, and only {@code
 * connect.runtime} (for the offset store), so the relay module stays free of them.
 */
module io.walletoutbox.relay.cdc {
    requires transitive io.walletoutbox.relay;
    // Its API takes a Jdbi (CdcRelay, CdcSlots, CdcSlotMonitor): the module's own requirement.
    requires transitive org.jdbi.v3.core;
    requires transitive micrometer.core;
    requires debezium.api;
    requires connect.runtime;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires java.sql;

    exports io.walletoutbox.relay.cdc;
}
