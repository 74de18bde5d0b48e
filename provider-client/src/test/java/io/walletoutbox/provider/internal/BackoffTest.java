package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));

    @Test
    void ceilingDoublesPerRetryUntilTheCap() {
        assertEquals(Duration.ofMillis(100), backoff.ceiling(1));
        assertEquals(Duration.ofMillis(200), backoff.ceiling(2));
        assertEquals(Duration.ofMillis(800), backoff.ceiling(4));
        assertEquals(Duration.ofMillis(1600), backoff.ceiling(5));
        assertEquals(Duration.ofSeconds(2), backoff.ceiling(6));
        assertEquals(Duration.ofSeconds(2), backoff.ceiling(1_000), "no overflow for huge retry numbers");
    }

    @Test
    void delayStaysBetweenHalfAndAllOfTheCeiling() {
        for (int retry = 1; retry <= 10; retry++) {
            Duration ceiling = backoff.ceiling(retry);
            assertEquals(ceiling.dividedBy(2), backoff.delay(retry, 0.0));
            for (double r : new double[] {0.1, 0.5, 0.999_999}) {
                Duration d = backoff.delay(retry, r);
                assertTrue(d.compareTo(ceiling.dividedBy(2)) >= 0 && d.compareTo(ceiling) < 0, d + " for " + r);
            }
        }
    }

    @Test
    void jitterSpreadsDelays() {
        assertTrue(backoff.delay(3, 0.9).compareTo(backoff.delay(3, 0.1)) > 0);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> backoff.ceiling(0));
        assertThrows(IllegalArgumentException.class, () -> backoff.delay(1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
