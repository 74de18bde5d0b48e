package io.walletoutbox.relay;

import java.time.Duration;

/** What a relay reports as it works; implemented by the metrics binder, or {@link #NONE}. */
public interface RelayMetrics {
    /** Reports nothing. */
    RelayMetrics NONE = new RelayMetrics() {};

    /**
     * One batch of {@code size} events was claimed.
     *
     * @param size events in the batch
     */
    default void batchClaimed(int size) {}

    /**
     * One event was acknowledged by Kafka, {@code sinceCommit} after it was created.
     *
     * @param sinceCreated time from the event's {@code createdAt} to the ack
     */
    default void published(Duration sinceCreated) {}

    /**
     * A publish failed and will be retried ({@code permanent}: Kafka rejected the record for good).
     *
     * @param permanent whether Kafka rejected the record for good (counts towards parking)
     */
    default void failed(boolean permanent) {}

    /**
     * A send failed because Kafka refused this client (authentication failed, or an ACL is missing): retried with
     * back-off, never parked, until an operator fixes the credentials or ACLs. Not counted in {@link #failed}.
     */
    default void denied() {}

    /** An event was parked after too many permanent failures. */
    default void parked() {}

    /**
     * An event named a topic that is not one of the relay's ({@link RelayTopics}): it was parked at once, never
     * sent. Not counted in {@link #parked}.
     */
    default void foreignTopic() {}

    /**
     * A logical message carried the outbox's prefix but is not an event the service's writer makes (not Base64 JSON,
     * a field missing or malformed): skipped, never sent. Only a hand-written or forged message can be one.
     */
    default void unreadable() {}

    /**
     * This instance now holds {@code delta} more (or fewer) shard leases.
     *
     * @param delta the change in leases held, negative when leases were given up
     */
    default void shardsOwned(int delta) {}
}
