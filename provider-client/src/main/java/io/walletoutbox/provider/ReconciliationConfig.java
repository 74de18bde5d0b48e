package io.walletoutbox.provider;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the {@link ReconciliationJob}.
 *
 * @param recheckInterval delay before the job asks the biller again about an entry after an inconclusive answer;
 *     doubles per check (with jitter) up to {@code recheckMax}. A new entry is asked at once
 * @param recheckMax cap of that delay
 * @param concurrency entries worked on at once by one instance (each blocks on its biller's answer)
 * @param lease how long an entry being worked on is hidden from the jobs of other instances; it must outlast one
 *     biller call with its retries (after it, another instance may ask the same biller again, which is safe: the
 *     same key, and every decision is made under the entry's row lock)
 * @param noProgressAfter how old a PENDING payment with no reconciliation entry may become before the job's sweep
 *     opens one for it (reason {@code no-progress}); the app passes {@code RECONCILIATION_AFTER}
 */
public record ReconciliationConfig(
        Duration recheckInterval, Duration recheckMax, int concurrency, Duration lease, Duration noProgressAfter) {
    /** Asked again after 30 s, doubling to 10 min, 8 at once, 5 min lease, swept after 15 min without progress. */
    public static final ReconciliationConfig DEFAULTS = new ReconciliationConfig(
            Duration.ofSeconds(30), Duration.ofMinutes(10), 8, Duration.ofMinutes(5), Duration.ofMinutes(15));

    public ReconciliationConfig {
        positive("recheckInterval", recheckInterval);
        positive("recheckMax", recheckMax);
        positive("lease", lease);
        positive("noProgressAfter", noProgressAfter);
        if (recheckMax.compareTo(recheckInterval) < 0) {
            throw new IllegalArgumentException("recheckMax must be at least recheckInterval");
        }
        if (concurrency < 1 || concurrency > 256) {
            throw new IllegalArgumentException("concurrency must be 1..256, was " + concurrency);
        }
    }

    /** This configuration with another re-check interval and cap. */
    public ReconciliationConfig withRecheck(Duration interval, Duration max) {
        return new ReconciliationConfig(interval, max, concurrency, lease, noProgressAfter);
    }

    /** This configuration with another {@link #noProgressAfter}. */
    public ReconciliationConfig withNoProgressAfter(Duration after) {
        return new ReconciliationConfig(recheckInterval, recheckMax, concurrency, lease, after);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }
}
