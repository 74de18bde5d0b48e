/**
 * The biller side: the bill-payment consumer (Kafka → biller, inbox de-duplication, one transaction per
 * outcome), the idempotent biller client, and the biller simulator. Knows nothing of the wallet module: it
 * reports outcomes through {@code OutcomeRecorder}, which the app wires.
 */
module io.walletoutbox.provider {
    requires transitive io.walletoutbox.outbox;
    requires transitive kafka.clients;
    requires transitive java.sql;
    requires com.fasterxml.jackson.databind;
    requires java.net.http;
    requires jdk.httpserver;
    requires org.slf4j;

    exports io.walletoutbox.provider;
}
