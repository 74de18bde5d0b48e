package io.walletoutbox.relay;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What happens to the later events of a key when one of its events is rejected by Kafka for good (a record too
 * large for the topic, an invalid topic): chosen per topic in {@link RelayConfig#parkingPolicies()}.
 *
 * <p>In both policies the rejected event is retried until {@link RelayConfig#maxAttempts()} and then parked
 * (moved to {@code outbox_parked} with its last error), where an operator can retry it (the polling relay's
 * event goes back to its original outbox position; the CDC relay's is emitted into the WAL again, after the key's
 * later events) or discard it. Kafka refusing the client (authentication, ACLs) never counts as a rejection.
 */
public enum ParkingPolicy {
    /**
     * The default: later events of the key keep flowing while the rejected one is retried and after it is
     * parked. Consumers see a gap in that key's events; a parked event retried later arrives after its
     * successors. Every event of one key is still sent in outbox order, pipelined within a batch.
     */
    SKIP,

    /**
     * Later events of the key wait: from the first permanent rejection of an event, the key's later events of
     * this topic are not sent until that event is published (after a retry) or discarded. Events of other keys
     * keep flowing. To make this hold inside one batch too, the relay sends one key's events of a blocking topic
     * one after the other, each after the previous one's ack (a round trip per event of the same key; keys still
     * go in parallel), and stops that key at its first failure, retriable or not; so a blocking topic also keeps
     * strict per-key order when a send times out.
     */
    BLOCK;

    /**
     * {@code policies} checked (no null topic or policy) and copied; for the relays' configurations.
     *
     * @param policies the parking policy of each topic
     * @return an unmodifiable copy
     * @throws NullPointerException when {@code policies}, a topic or a policy is null
     */
    public static Map<String, ParkingPolicy> copyOf(Map<String, ParkingPolicy> policies) {
        Objects.requireNonNull(policies, "parkingPolicies");
        policies.forEach((topic, policy) -> {
            Objects.requireNonNull(topic, "parkingPolicies topic");
            Objects.requireNonNull(policy, "parkingPolicies policy of " + topic);
        });
        return Map.copyOf(policies);
    }

    /**
     * {@code policies} with {@code topic} set to {@code policy}.
     *
     * @param policies the parking policy of each topic; not changed
     * @param topic the topic to set
     * @param policy its policy
     * @return a new, modifiable map
     */
    public static Map<String, ParkingPolicy> with(
            Map<String, ParkingPolicy> policies, String topic, ParkingPolicy policy) {
        var copy = new HashMap<>(policies);
        copy.put(topic, policy);
        return copy;
    }
}
