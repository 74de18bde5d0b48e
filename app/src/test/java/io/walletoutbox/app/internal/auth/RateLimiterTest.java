package io.walletoutbox.app.internal.auth;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

    @Test
    void refusedTokensAreCountedPerAddressAndNeverTouchAPrincipalsBucket() {
        RateLimiter limiter = new RateLimiter(1, 1, 1);
        int allowed = 0;
        while (limiter.refused("198.51.100.1").isEmpty()) {
            allowed++;
            assertTrue(allowed <= 10, "a burst of four, then 429");
        }
        assertTrue(allowed >= 4, "burst four times the rate: " + allowed);
        assertTrue(limiter.refused("198.51.100.1").isPresent(), "still limited");
        assertTrue(limiter.refused("198.51.100.2").isEmpty(), "another address is not");
        assertTrue(limiter.tryRequest("alice").isEmpty(), "a principal's requests are counted apart");
    }
}
