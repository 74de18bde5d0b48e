/**
 * Test support for services that write to the outbox and publish with the polling relay: {@link
 * io.walletoutbox.outbox.testkit.OutboxTestKit} publishes everything committed so far on the test's own thread
 * ({@code drain()}) and returns what was sent, waits for a background relay's acknowledgement with a deadline
 * ({@code awaitPublished}), and fails a test that left events parked ({@code assertNoParked}); {@link
 * io.walletoutbox.outbox.testkit.RecordingProducer} stands in for Kafka; {@link
 * io.walletoutbox.outbox.testkit.OutboxTestKitExtension} hands a kit to each JUnit 5 test. Works on a {@link
 * javax.sql.DataSource} with plain JDBC: no Jdbi, no Micrometer, no Flyway.
 */
module io.walletoutbox.outbox.testkit {
    requires transitive io.walletoutbox.relay;
    requires transitive io.walletoutbox.outbox;
    // The kit's API takes a DataSource (OutboxTestKit.builder, RelayContract); it reads the outbox with plain JDBC.
    requires transitive java.sql;
    requires transitive kafka.clients;
    requires transitive org.junit.jupiter.api;

    exports io.walletoutbox.outbox.testkit;
}
