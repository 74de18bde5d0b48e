package io.walletoutbox.relay;

import io.walletoutbox.relay.internal.PollingRelayImpl;
import io.walletoutbox.relay.internal.RelayHooks;
import org.apache.kafka.clients.producer.Producer;
import org.jdbi.v3.core.Jdbi;

/**
 * The polling relay. Each worker repeatedly leases one shard that has events ({@code SELECT … FROM outbox_shard
 * … FOR UPDATE SKIP LOCKED}), reads up to a batch of that shard's oldest events, sends them all, waits for every
 * ack, deletes the acknowledged rows in one statement and commits. The shard lock lives as long as that
 * transaction, so one shard (and hence one key) is published by one relay at a time, in outbox order, while
 * other shards proceed in parallel in this and other instances.
 */
public final class PollingRelay {
    private PollingRelay() {}

    /**
     * A relay over {@code jdbi}'s outbox publishing with {@code producer} (which it closes on close).
     *
     * @param metrics where the relay reports what it does; {@link RelayMetrics#NONE} to report nothing
     */
    public static Relay create(Jdbi jdbi, Producer<String, byte[]> producer, RelayConfig config, RelayMetrics metrics) {
        return PollingRelayImpl.create(jdbi, producer, config, metrics, RelayHooks.NONE);
    }
}
