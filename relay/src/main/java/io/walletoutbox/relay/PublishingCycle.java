package io.walletoutbox.relay;

/**
 * The polling relay's publishing cycle, run on demand on the caller's thread instead of by background workers:
 * for test kits and tools that must publish now and know when they are done (made by {@link PollingRelay#cycle}).
 * Each {@link #runOnce()} is exactly one cycle of a {@link PollingRelay} worker (lease shards, send, wait for every
 * ack, delete what was acknowledged, count rejections and park at {@link RelayConfig#maxAttempts()}, commit), with
 * no back-off, no idle wait and no threads of its own. Cycles may run beside started relays on the same outbox: the
 * shard leases keep each key with one of them at a time.
 */
public interface PublishingCycle extends AutoCloseable {

    /**
     * What one cycle did.
     *
     * @param claimed events read from leased shards (0: no unleased shard had events it may send)
     * @param published events Kafka acknowledged, deleted from the outbox when the cycle committed
     * @param failed events whose send failed (retriable or rejected; a rejection counts towards parking)
     */
    record Outcome(int claimed, int published, int failed) {
        /**
         * True when the cycle found nothing to send.
         *
         * @return whether {@code claimed} is 0
         */
        public boolean idle() {
            return claimed == 0;
        }
    }

    /**
     * Runs one publishing cycle in a transaction of its own on the calling thread and returns when it committed:
     * every send of the cycle has been answered by then. Throws what the database or the producer threw (the
     * transaction then rolled back and the rows stay in the outbox).
     *
     * @return what the cycle claimed, published and failed to send
     */
    Outcome runOnce();

    /**
     * How many committed events a cycle may send now: the outbox's rows, less, under {@link ParkingPolicy#BLOCK},
     * those held behind a parked or rejected earlier event of their key (the rule the relay's reads apply). Parked
     * events are not in the outbox; events of transactions still open are not visible. Zero means a relay has
     * nothing left to do until something new commits or an operator retries a parked event.
     *
     * @return the number of events a cycle may send now, 0 or more
     */
    long publishable();

    /** Closes the producer the cycle was made with. */
    @Override
    void close();
}
