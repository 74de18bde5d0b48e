package io.walletoutbox.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxTables;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class RelayConfigTest {
    private static final RelayConfig VALID = RelayConfig.builder("relay-1").build();

    private static void rejects(String what, UnaryOperator<RelayConfigBuilder> change) {
        assertThrows(
                IllegalArgumentException.class,
                () -> change.apply(VALID.toBuilder()).build(),
                what);
    }

    @Test
    void theBuilderProbesTheSequenceByDefault() {
        assertEquals(RelayConfig.DEFAULT_PROBE_INTERVAL, VALID.probeInterval());
        assertEquals(
                Duration.ZERO,
                VALID.toBuilder().probeInterval(Duration.ZERO).build().probeInterval());
        assertEquals(
                Duration.ofMillis(5),
                VALID.toBuilder()
                        .probeInterval(Duration.ofMillis(5))
                        .parkingPolicy("t", ParkingPolicy.BLOCK)
                        .build()
                        .probeInterval());
        rejects("negative probe", b -> b.probeInterval(Duration.ofMillis(-1)));
    }

    @Test
    void defaultsAreValid() {
        assertEquals("relay-1", VALID.instanceId());
        assertEquals(4, VALID.workers());
        assertEquals(500, VALID.batchSize());
        assertEquals(Duration.ofMillis(5), VALID.minPollInterval());
        assertEquals(Duration.ofMillis(500), VALID.maxPollInterval());
        assertEquals(Duration.ofSeconds(30), VALID.stallTimeout());
        assertEquals(5, VALID.maxAttempts());
        assertEquals(Duration.ofMillis(100), VALID.retryBackoff());
        assertEquals(Duration.ofSeconds(10), VALID.maxRetryBackoff());
        assertEquals(ParkingPolicy.SKIP, VALID.policyOf("any.topic"));
    }

    @Test
    void toBuilderCopiesEveryValueAndLeavesTheOriginalAlone() {
        var changed = VALID.toBuilder()
                .workers(2)
                .parkingPolicy("a", ParkingPolicy.BLOCK)
                .topics("a")
                .build();
        assertEquals(changed, changed.toBuilder().build());
        assertEquals(changed.hashCode(), changed.toBuilder().build().hashCode());
        assertNotEquals(VALID, changed);
        assertEquals(4, VALID.workers(), "the original is unchanged");
        assertEquals(ParkingPolicy.SKIP, VALID.policyOf("a"), "the original is unchanged");
    }

    @Test
    void rejectsOutOfRangeValues() {
        rejects("instanceId", b -> RelayConfig.builder(" "));
        rejects("workers", b -> b.workers(0));
        rejects("workers", b -> b.workers(257));
        rejects("batchSize", b -> b.batchSize(0));
        rejects("batchSize", b -> b.batchSize(10_001));
        rejects("minPoll", b -> b.minPollInterval(Duration.ZERO));
        rejects("maxPoll below minPoll", b -> b.maxPollInterval(Duration.ofMillis(1)));
        rejects("stall", b -> b.stallTimeout(Duration.ofSeconds(-1)));
        rejects("stall below 1 ms", b -> b.stallTimeout(Duration.ofNanos(10))); // PostgreSQL counts in milliseconds
        rejects("attempts", b -> b.maxAttempts(0));
        rejects("retry", b -> b.retryBackoff(Duration.ZERO));
        rejects("maxRetry below retry", b -> b.maxRetryBackoff(Duration.ofMillis(1)));
    }

    @Test
    void valuesAreCheckedTogetherAtBuildNotOneByOne() {
        var slow = VALID.toBuilder()
                .minPollInterval(Duration.ofMinutes(1))
                .maxPollInterval(Duration.ofMinutes(1))
                .build();
        assertEquals(Duration.ofMinutes(1), slow.minPollInterval());
    }

    @Test
    void rejectsMissingValues() {
        assertThrows(NullPointerException.class, () -> RelayConfig.builder(null).build());
        assertThrows(
                NullPointerException.class,
                () -> VALID.toBuilder().stallTimeout(null).build());
        var withNullPolicy = new HashMap<String, ParkingPolicy>();
        withNullPolicy.put("t", null);
        assertThrows(
                NullPointerException.class,
                () -> VALID.toBuilder().parkingPolicies(withNullPolicy).build());
        assertThrows(
                NullPointerException.class,
                () -> VALID.toBuilder().parkingPolicy(null, ParkingPolicy.BLOCK).build());
    }

    @Test
    void parkingPolicyIsPerTopicAndDefaultsToSkip() {
        var config =
                VALID.toBuilder().parkingPolicy("payments", ParkingPolicy.BLOCK).build();
        assertEquals(ParkingPolicy.BLOCK, config.policyOf("payments"));
        assertEquals(ParkingPolicy.SKIP, config.policyOf("audit"));
        assertEquals(ParkingPolicy.SKIP, VALID.policyOf("payments"), "the original is unchanged");
        assertThrows(
                UnsupportedOperationException.class,
                () -> config.parkingPolicies().put("x", ParkingPolicy.SKIP));
    }

    @Test
    void topicsAreCheckedCopiedAndSortedAndReplacedBySettingThemAgain() {
        assertEquals(Set.of(), VALID.topics(), "defaults name none");
        var c = VALID.toBuilder().topics("wallet.events", "a_b-1").build();
        assertEquals(List.of("a_b-1", "wallet.events"), List.copyOf(c.topics()));
        assertEquals(Set.of("x"), c.toBuilder().topics("x").build().topics(), "replaced, not added");
        assertEquals(
                c.topics(),
                c.toBuilder()
                        .probeInterval(Duration.ZERO)
                        .parkingPolicy("x", ParkingPolicy.BLOCK)
                        .build()
                        .topics());
        rejects("space", b -> b.topics("no spaces"));
        rejects("..", b -> b.topics(".."));
        rejects("too long", b -> b.topics("t".repeat(250)));
        assertThrows(
                NullPointerException.class,
                () -> VALID.toBuilder().topics((Set<String>) null).build());
        var withNull = new java.util.HashSet<String>();
        withNull.add(null);
        assertThrows(
                NullPointerException.class,
                () -> VALID.toBuilder().topics(withNull).build());
        assertThrows(UnsupportedOperationException.class, () -> c.topics().add("y"));
    }

    @Test
    void tablesDefaultToTodaysNamesAndAreCopiedComparedAndShown() {
        assertEquals(OutboxTables.DEFAULTS, VALID.tables());
        var shop = VALID.toBuilder().tables(OutboxTables.of("shop", "shop_")).build();
        assertEquals(OutboxTables.of("shop", "shop_"), shop.tables());
        assertEquals(shop, shop.toBuilder().build());
        assertEquals(shop.hashCode(), shop.toBuilder().build().hashCode());
        assertNotEquals(VALID, shop);
        assertTrue(shop.toString().contains("shop.shop_outbox_event"), shop.toString());
        assertThrows(
                NullPointerException.class, () -> VALID.toBuilder().tables(null).build());
    }
}
