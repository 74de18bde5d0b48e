package io.walletoutbox.relay;

import java.time.Duration;

/** What a relay reports as it works; implemented by the metrics binder, or {@link #NONE}. */
public interface RelayMetrics {
    /** Reports nothing. */
    RelayMetrics NONE = new RelayMetrics() {};

    /** One batch of {@code size} events was claimed. */
    default void batchClaimed(int size) {}

    /** One event was acknowledged by Kafka, {@code sinceCommit} after it was created. */
    default void published(Duration sinceCreated) {}

    /** A publish failed and will be retried ({@code permanent}: Kafka rejected the record for good). */
    default void failed(boolean permanent) {}

    /** An event was parked after too many permanent failures. */
    default void parked() {}

    /** This instance now holds {@code delta} more (or fewer) shard leases. */
    default void shardsOwned(int delta) {}
}
