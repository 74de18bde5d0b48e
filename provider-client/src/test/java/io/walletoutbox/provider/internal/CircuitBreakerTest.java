package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.provider.internal.CircuitBreaker.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    private final AtomicLong now = new AtomicLong();
    private final List<Integer> transitions = new ArrayList<>();
    private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(5), now::get, transitions::add);

    private void fail(int times) {
        for (int i = 0; i < times; i++) {
            assertTrue(breaker.tryAcquire());
            breaker.failure();
        }
    }

    @Test
    void opensAfterThresholdConsecutiveFailuresOnly() {
        fail(2);
        assertTrue(breaker.tryAcquire());
        breaker.success(); // resets the streak
        fail(2);
        assertEquals(State.CLOSED, breaker.state());
        fail(1);
        assertEquals(State.OPEN, breaker.state());
        assertFalse(breaker.tryAcquire());
        assertEquals(List.of(State.OPEN.ordinal()), transitions);
    }

    @Test
    void letsOneProbeThroughAfterTheOpenTimeAndClosesOnItsSuccess() {
        fail(3);
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertFalse(breaker.tryAcquire(), "still open");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertTrue(breaker.tryAcquire(), "the probe");
        assertEquals(State.HALF_OPEN, breaker.state());
        assertFalse(breaker.tryAcquire(), "only one probe at a time");
        breaker.success();
        assertEquals(State.CLOSED, breaker.state());
        assertTrue(breaker.tryAcquire());
        assertEquals(List.of(2, 1, 0), transitions);
    }

    @Test
    void aFailedProbeOpensTheCircuitAgainForAFullPeriod() {
        fail(3);
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertTrue(breaker.tryAcquire());
        breaker.failure();
        assertEquals(State.OPEN, breaker.state());
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertFalse(breaker.tryAcquire());
    }
}
