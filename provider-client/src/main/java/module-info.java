/**
 * The biller side: the bill-payment consumer (Kafka → biller, inbox de-duplication, one transaction per
 * outcome), the idempotent biller client, and the biller simulator. Knows nothing of the wallet module: it
 * reports outcomes through {@code OutcomeRecorder}, which the app wires. Spans (consumer, biller calls,
 * reconciliation) go to the OpenTelemetry API when it is present and an SDK is registered globally; otherwise
 * nothing is recorded.
 */
module io.walletoutbox.provider {
    requires transitive io.walletoutbox.outbox;
    // Its API takes Jdbi handles (OutcomeRecorder, Reconciliation, InboxRetention); the inbox through the Jdbi adapter.
    requires transitive org.jdbi.v3.core;
    requires io.walletoutbox.outbox.jdbi;
    // Its metrics are a MeterBinder (ProviderMetrics): its own requirement, no longer through the outbox.
    requires transitive micrometer.core;
    requires transitive kafka.clients;
    requires transitive java.sql;
    requires com.fasterxml.jackson.databind;
    requires java.net.http;
    requires jdk.httpserver;
    requires org.slf4j;
    // Tracing is optional: without these modules every span is a no-op (internal.Traces checks once).
    requires static io.opentelemetry.api;
    requires static io.opentelemetry.context;

    exports io.walletoutbox.provider;
}
