package io.walletoutbox.outbox;

/**
 * Configuration of the outbox.
 *
 * @param shards number of shards keys are hashed to; relays lease shards, so this bounds the parallelism
 *     of publishing and must be the same for every writer and relay of one database (fixed at first start)
 */
public record OutboxConfig(int shards) {
    /** 64 shards: enough parallelism for many relay instances, few enough to scan cheaply. */
    public static final OutboxConfig DEFAULTS = new OutboxConfig(64);

    public OutboxConfig {
        if (shards < 1 || shards > 4096) {
            throw new IllegalArgumentException("shards must be 1..4096, was " + shards);
        }
    }

    /** The shard of an aggregate id: a stable hash, the same in every JVM. */
    public int shardOf(String aggregateId) {
        // String.hashCode is specified by the language, so every JVM agrees.
        return Math.floorMod(aggregateId.hashCode(), shards);
    }
}
