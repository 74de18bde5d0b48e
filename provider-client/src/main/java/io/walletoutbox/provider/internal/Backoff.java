package io.walletoutbox.provider.internal;

import java.time.Duration;

/**
 * Exponential backoff with "equal jitter": the n-th retry waits between half and all of {@code initial × 2^(n-1)},
 * capped at {@code max}. Half the delay is guaranteed (the biller gets its rest), the other half is random (many
 * consumers retrying at once spread out).
 */
public record Backoff(Duration initial, Duration max) {

    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 < initial <= max, was " + initial + ", " + max);
        }
    }

    /** The ceiling of the n-th retry's delay (retry ≥ 1), before jitter. */
    public Duration ceiling(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry counts from 1, was " + retry);
        }
        int shift = Math.min(retry - 1, 30);
        long nanos = initial.toNanos();
        long scaled = nanos > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : nanos << shift;
        return Duration.ofNanos(Math.min(scaled, max.toNanos()));
    }

    /** The n-th retry's delay; {@code random} in [0, 1) picks the point within [ceiling/2, ceiling). */
    public Duration delay(int retry, double random) {
        if (!(random >= 0.0 && random < 1.0)) {
            throw new IllegalArgumentException("random must be in [0, 1), was " + random);
        }
        long ceiling = ceiling(retry).toNanos();
        long half = ceiling / 2;
        return Duration.ofNanos(half + (long) (random * (ceiling - half)));
    }
}
