package io.walletoutbox.provider;

import static io.walletoutbox.provider.ConfigChecks.positive;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the {@link ReconciliationJob}, immutable; made by {@link #builder()} and copied with changes
 * through {@link #toBuilder()}. Each value is documented on its {@link ReconciliationConfigBuilder} method.
 */
public final class ReconciliationConfig {
    private final Duration recheckInterval;
    private final Duration recheckMax;
    private final int concurrency;
    private final Duration lease;
    private final Duration noProgressAfter;

    ReconciliationConfig(ReconciliationConfigBuilder b) {
        recheckInterval = positive("recheckInterval", b.recheckInterval);
        recheckMax = positive("recheckMax", b.recheckMax);
        lease = positive("lease", b.lease);
        noProgressAfter = positive("noProgressAfter", b.noProgressAfter);
        if (recheckMax.compareTo(recheckInterval) < 0) {
            throw new IllegalArgumentException("recheckMax must be at least recheckInterval");
        }
        concurrency = b.concurrency;
        if (concurrency < 1 || concurrency > 256) {
            throw new IllegalArgumentException("concurrency must be 1..256, was " + concurrency);
        }
    }

    /**
     * A builder with the defaults: asked again after 30 s, doubling to 10 min, 8 at once, 5 min lease, swept after
     * 15 min without progress.
     */
    public static ReconciliationConfigBuilder builder() {
        return new ReconciliationConfigBuilder();
    }

    /** A builder holding this configuration's values, to make a copy with some of them changed. */
    public ReconciliationConfigBuilder toBuilder() {
        return new ReconciliationConfigBuilder(this);
    }

    /** Delay before an entry is asked about again ({@link ReconciliationConfigBuilder#recheckInterval}). */
    public Duration recheckInterval() {
        return recheckInterval;
    }

    /** Cap of that delay ({@link ReconciliationConfigBuilder#recheckMax}). */
    public Duration recheckMax() {
        return recheckMax;
    }

    /** Entries worked on at once by one instance ({@link ReconciliationConfigBuilder#concurrency}). */
    public int concurrency() {
        return concurrency;
    }

    /** How long an entry being worked on is hidden from other instances ({@link ReconciliationConfigBuilder#lease}). */
    public Duration lease() {
        return lease;
    }

    /** Age of a stuck PENDING payment the sweep takes over ({@link ReconciliationConfigBuilder#noProgressAfter}). */
    public Duration noProgressAfter() {
        return noProgressAfter;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReconciliationConfig c
                && recheckInterval.equals(c.recheckInterval)
                && recheckMax.equals(c.recheckMax)
                && concurrency == c.concurrency
                && lease.equals(c.lease)
                && noProgressAfter.equals(c.noProgressAfter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(recheckInterval, recheckMax, concurrency, lease, noProgressAfter);
    }

    @Override
    public String toString() {
        return "ReconciliationConfig[recheckInterval=" + recheckInterval + ", recheckMax=" + recheckMax
                + ", concurrency=" + concurrency + ", lease=" + lease + ", noProgressAfter=" + noProgressAfter + "]";
    }
}
