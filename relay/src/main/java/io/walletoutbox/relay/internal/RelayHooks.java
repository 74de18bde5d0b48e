package io.walletoutbox.relay.internal;

import java.util.List;

/**
 * Test seams inside one publishing cycle (not exported: production code has no use for them). A hook that
 * throws aborts the cycle like a crash at that point: the transaction rolls back and the rows stay.
 */
public interface RelayHooks {
    /** No hooks. */
    RelayHooks NONE = new RelayHooks() {};

    /**
     * Called in the publishing transaction after every send of the batch was answered and before the acknowledged
     * rows are deleted; {@code shard} is the first of the cycle's leased shards (the CDC relay passes -1).
     */
    default void afterAcks(int shard, List<Long> ackedPositions) {}
}
