package io.walletoutbox.relay;

/** Publishes committed outbox events to Kafka until closed. */
public interface Relay extends AutoCloseable {

    /** Starts publishing in background (virtual) threads; returns at once. */
    void start();

    /** Hints that new events were committed, so an idle relay looks again at once. Cheap; never blocks. */
    void wakeUp();

    /**
     * True from {@link #start()} until {@link #close()}, unless the relay's publishing machinery died on an error it
     * cannot recover from (a worker thread of the polling relay, the engine's supervisor of the CDC relay ended by
     * an {@link Error} such as {@code OutOfMemoryError}); then only a restart of the process helps, and a liveness
     * check should fail. Waiting on Kafka, backing off after failures or waiting as a CDC standby for the slot all
     * count as running. Cheap; never blocks.
     *
     * @return whether the relay is started, not closed, and its machinery alive
     */
    boolean isRunning();

    /** Stops publishing: finishes or abandons the batches in flight (abandoned rows stay in the outbox). */
    @Override
    void close();
}
