package io.walletoutbox.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class RelayConfigTest {
    private static final RelayConfig VALID = RelayConfig.defaults("relay-1");

    /** A copy of {@link #VALID} with one argument changed through a builder-like map. */
    private static RelayConfig with(UnaryOperator<Map<String, Object>> change) {
        var m = new HashMap<String, Object>();
        m.put("instanceId", VALID.instanceId());
        m.put("workers", VALID.workers());
        m.put("batchSize", VALID.batchSize());
        m.put("minPoll", VALID.minPollInterval());
        m.put("maxPoll", VALID.maxPollInterval());
        m.put("stall", VALID.stallTimeout());
        m.put("attempts", VALID.maxAttempts());
        m.put("retry", VALID.retryBackoff());
        m.put("maxRetry", VALID.maxRetryBackoff());
        m.put("policies", VALID.parkingPolicies());
        change.apply(m);
        @SuppressWarnings("unchecked")
        var policies = (Map<String, ParkingPolicy>) m.get("policies");
        return new RelayConfig(
                (String) m.get("instanceId"),
                (Integer) m.get("workers"),
                (Integer) m.get("batchSize"),
                (Duration) m.get("minPoll"),
                (Duration) m.get("maxPoll"),
                (Duration) m.get("stall"),
                (Integer) m.get("attempts"),
                (Duration) m.get("retry"),
                (Duration) m.get("maxRetry"),
                policies);
    }

    private static void rejects(String key, Object value) {
        assertThrows(
                IllegalArgumentException.class,
                () -> with(m -> {
                    m.put(key, value);
                    return m;
                }),
                key + "=" + value);
    }

    @Test
    void theDefaultsProbeTheSequenceAndTheLongConstructorDoesNot() {
        assertEquals(RelayConfig.DEFAULT_PROBE_INTERVAL, VALID.probeInterval());
        assertEquals(Duration.ZERO, with(m -> m).probeInterval());
        assertEquals(
                Duration.ofMillis(5),
                VALID.withProbeInterval(Duration.ofMillis(5)).probeInterval());
        assertEquals(
                Duration.ofMillis(5),
                VALID.withProbeInterval(Duration.ofMillis(5))
                        .withParkingPolicy("t", ParkingPolicy.BLOCK)
                        .probeInterval());
        assertThrows(IllegalArgumentException.class, () -> VALID.withProbeInterval(Duration.ofMillis(-1)));
    }

    @Test
    void defaultsAreValid() {
        assertEquals(4, VALID.workers());
        assertEquals(ParkingPolicy.SKIP, VALID.policyOf("any.topic"));
    }

    @Test
    void rejectsOutOfRangeValues() {
        rejects("instanceId", " ");
        rejects("workers", 0);
        rejects("workers", 257);
        rejects("batchSize", 0);
        rejects("batchSize", 10_001);
        rejects("minPoll", Duration.ZERO);
        rejects("maxPoll", Duration.ofMillis(1)); // below minPollInterval
        rejects("stall", Duration.ofSeconds(-1));
        rejects("stall", Duration.ofNanos(10)); // PostgreSQL counts in milliseconds
        rejects("attempts", 0);
        rejects("retry", Duration.ZERO);
        rejects("maxRetry", Duration.ofMillis(1)); // below retryBackoff
    }

    @Test
    void rejectsMissingValues() {
        assertThrows(
                NullPointerException.class,
                () -> with(m -> {
                    m.put("instanceId", null);
                    return m;
                }));
        var withNullPolicy = new HashMap<String, ParkingPolicy>();
        withNullPolicy.put("t", null);
        assertThrows(
                NullPointerException.class,
                () -> with(m -> {
                    m.put("policies", withNullPolicy);
                    return m;
                }));
    }

    @Test
    void parkingPolicyIsPerTopicAndDefaultsToSkip() {
        var config = VALID.withParkingPolicy("payments", ParkingPolicy.BLOCK);
        assertEquals(ParkingPolicy.BLOCK, config.policyOf("payments"));
        assertEquals(ParkingPolicy.SKIP, config.policyOf("audit"));
        assertEquals(ParkingPolicy.SKIP, VALID.policyOf("payments"), "the original is unchanged");
        assertThrows(
                UnsupportedOperationException.class,
                () -> config.parkingPolicies().put("x", ParkingPolicy.SKIP));
    }

    @Test
    void topicsAreCheckedCopiedAndSortedAndReplacedByWithTopics() {
        assertEquals(java.util.Set.of(), VALID.topics(), "defaults name none");
        var c = VALID.withTopics("wallet.events", "a_b-1");
        assertEquals(java.util.List.of("a_b-1", "wallet.events"), java.util.List.copyOf(c.topics()));
        assertEquals(java.util.Set.of("x"), c.withTopics("x").topics(), "replaced, not added");
        assertEquals(
                c.topics(),
                c.withProbeInterval(Duration.ZERO)
                        .withParkingPolicy("x", ParkingPolicy.BLOCK)
                        .topics());
        assertThrows(IllegalArgumentException.class, () -> VALID.withTopics("no spaces"));
        assertThrows(IllegalArgumentException.class, () -> VALID.withTopics(".."));
        assertThrows(IllegalArgumentException.class, () -> VALID.withTopics("t".repeat(250)));
        assertThrows(NullPointerException.class, () -> VALID.withTopics((java.util.Set<String>) null));
        var withNull = new java.util.HashSet<String>();
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> VALID.withTopics(withNull));
        assertThrows(UnsupportedOperationException.class, () -> c.topics().add("y"));
    }
}
