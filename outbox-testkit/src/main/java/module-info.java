/**
 * Test support for services that write to the outbox and publish with the polling relay: {@link
 * io.walletoutbox.outbox.testkit.OutboxTestKit} publishes everything committed so far on the test's own thread
 * ({@code drain()}) and returns what was sent, waits for a background relay's acknowledgement with a deadline
 * ({@code awaitPublished}), and fails a test that left events parked ({@code assertNoParked}); {@link
 * io.walletoutbox.outbox.testkit.RecordingProducer} stands in for Kafka; {@link
 * io.walletoutbox.outbox.testkit.OutboxTestKitExtension} hands a kit to each JUnit 5 test.
 */
module io.walletoutbox.outbox.testkit {
    requires transitive io.walletoutbox.relay;
    requires transitive io.walletoutbox.outbox;
    // The kit's API takes a Jdbi (OutboxTestKit.builder, RelayContract); it writes and reads the outbox through the
    // Jdbi adapter.
    requires transitive org.jdbi.v3.core;
    requires io.walletoutbox.outbox.jdbi;
    requires transitive kafka.clients;
    requires transitive org.junit.jupiter.api;
    requires java.sql;

    exports io.walletoutbox.outbox.testkit;
}
