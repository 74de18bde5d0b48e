package io.walletoutbox.outbox;

import java.util.Objects;

/**
 * Configuration of the outbox.
 *
 * @param shards number of shards keys are hashed to; relays lease shards, so this bounds the parallelism
 *     of publishing and must be the same for every writer and relay of one database (fixed at first start)
 * @param tables where the outbox's tables live (schema and table prefix); the same for every writer, relay, inbox
 *     and admin of one outbox
 */
public record OutboxConfig(int shards, OutboxTables tables) {
    /** 64 shards: enough parallelism for many relay instances, few enough to scan cheaply. */
    public static final OutboxConfig DEFAULTS = new OutboxConfig(64);

    /**
     * {@code shards} shards in {@code tables}.
     *
     * @throws IllegalArgumentException when {@code shards} is outside 1..4096
     * @throws NullPointerException when {@code tables} is null
     */
    public OutboxConfig {
        if (shards < 1 || shards > 4096) {
            throw new IllegalArgumentException("shards must be 1..4096, was " + shards);
        }
        Objects.requireNonNull(tables, "tables");
    }

    /**
     * {@code shards} shards in the {@link OutboxTables#DEFAULTS default tables}.
     *
     * @param shards number of shards, 1..4096
     */
    public OutboxConfig(int shards) {
        this(shards, OutboxTables.DEFAULTS);
    }

    /**
     * This configuration in {@code tables}.
     *
     * @param tables schema and table prefix
     * @return the configuration
     */
    public OutboxConfig withTables(OutboxTables tables) {
        return new OutboxConfig(shards, tables);
    }

    /**
     * The shard of an aggregate id: a stable hash, the same in every JVM.
     *
     * @param aggregateId the key
     * @return its shard, 0..shards-1
     */
    public int shardOf(String aggregateId) {
        // String.hashCode is specified by the language, so every JVM agrees.
        return Math.floorMod(aggregateId.hashCode(), shards);
    }
}
