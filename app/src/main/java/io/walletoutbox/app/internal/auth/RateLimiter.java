package io.walletoutbox.app.internal.auth;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets (bucket4j) of one instance: one per principal for its requests, and one per client address for its
 * refused tokens (counted after verification). Limits are per instance: N instances behind a load balancer allow up to N times the rate. The maps
 * are bounded: past {@link #MAX_TRACKED} entries the buckets that are full again (idle callers) are dropped.
 */
public final class RateLimiter {
    /** How many callers are tracked at most per kind before idle ones are forgotten. */
    static final int MAX_TRACKED = 100_000;

    private final Map<String, Bucket> principals = new ConcurrentHashMap<>();
    private final Map<String, Bucket> failures = new ConcurrentHashMap<>();
    private final int perSecond;
    private final int burst;
    private final int failuresPerSecond;

    /**
     * @param perSecond requests per second each principal may make on average
     * @param burst how many requests a principal may make at once
     * @param failuresPerSecond refused tokens per second from one address (burst: four times that)
     */
    public RateLimiter(int perSecond, int burst, int failuresPerSecond) {
        if (perSecond < 1 || burst < 1 || failuresPerSecond < 1) {
            throw new IllegalArgumentException("rate limits must be positive");
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.failuresPerSecond = failuresPerSecond;
    }

    /** Takes one request of {@code subject}; empty when allowed, else the seconds to wait. */
    public OptionalLong tryRequest(String subject) {
        Bucket bucket = bucket(principals, subject, burst, perSecond);
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? OptionalLong.empty() : OptionalLong.of(seconds(probe.getNanosToWaitForRefill()));
    }

    /**
     * Counts a refused token from {@code address}; empty while that address is within its allowance, else the
     * seconds to wait. Only refused tokens are counted and only they are throttled: a valid token is never refused
     * because of its address (behind a proxy one address may be everyone).
     */
    public OptionalLong refused(String address) {
        Bucket bucket = bucket(failures, address, 4L * failuresPerSecond, failuresPerSecond);
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? OptionalLong.empty() : OptionalLong.of(seconds(probe.getNanosToWaitForRefill()));
    }

    private static long seconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    private static Bucket bucket(Map<String, Bucket> buckets, String key, long capacity, long perSecond) {
        Bucket bucket = buckets.get(key);
        if (bucket != null) {
            return bucket;
        }
        if (buckets.size() >= MAX_TRACKED) {
            buckets.values().removeIf(b -> b.getAvailableTokens() >= capacity);
        }
        return buckets.computeIfAbsent(
                key,
                k -> Bucket.builder()
                        .addLimit(Bandwidth.builder()
                                .capacity(capacity)
                                .refillGreedy(perSecond, Duration.ofSeconds(1))
                                .build())
                        .build());
    }
}
