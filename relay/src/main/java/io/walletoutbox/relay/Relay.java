package io.walletoutbox.relay;

/** Publishes committed outbox events to Kafka until closed. */
public interface Relay extends AutoCloseable {

    /** Starts publishing in background (virtual) threads; returns at once. */
    void start();

    /** Hints that new events were committed, so an idle relay looks again at once. Cheap; never blocks. */
    void wakeUp();

    /** Stops publishing: finishes or abandons the batches in flight (abandoned rows stay in the outbox). */
    @Override
    void close();
}
