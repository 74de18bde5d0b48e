package io.walletoutbox.provider;

import java.time.Duration;

/**
 * Builds a {@link ReconciliationConfig}, from {@link ReconciliationConfig#builder()} or {@link
 * ReconciliationConfig#toBuilder()}. Setters only record values; {@link #build()} checks them all and says which
 * one is out of range. A builder may be reused: each {@code build()} makes an independent configuration.
 */
public final class ReconciliationConfigBuilder {
    Duration recheckInterval = Duration.ofSeconds(30);
    Duration recheckMax = Duration.ofMinutes(10);
    int concurrency = 8;
    Duration lease = Duration.ofMinutes(5);
    Duration noProgressAfter = Duration.ofMinutes(15);

    ReconciliationConfigBuilder() {}

    ReconciliationConfigBuilder(ReconciliationConfig c) {
        recheckInterval = c.recheckInterval();
        recheckMax = c.recheckMax();
        concurrency = c.concurrency();
        lease = c.lease();
        noProgressAfter = c.noProgressAfter();
    }

    /**
     * Delay before the job asks the biller again about an entry after an inconclusive answer, positive; doubles
     * per check (with jitter) up to {@link #recheckMax}. A new entry is asked at once. Default 30 s.
     */
    public ReconciliationConfigBuilder recheckInterval(Duration recheckInterval) {
        this.recheckInterval = recheckInterval;
        return this;
    }

    /** Cap of that delay, at least {@link #recheckInterval}. Default 10 minutes. */
    public ReconciliationConfigBuilder recheckMax(Duration recheckMax) {
        this.recheckMax = recheckMax;
        return this;
    }

    /** Entries worked on at once by one instance (each blocks on its biller's answer), 1..256. Default 8. */
    public ReconciliationConfigBuilder concurrency(int concurrency) {
        this.concurrency = concurrency;
        return this;
    }

    /**
     * How long an entry being worked on is hidden from the jobs of other instances, positive; it must outlast one
     * biller call with its retries (after it, another instance may ask the same biller again, which is safe: the
     * same key, and every decision is made under the entry's row lock). Default 5 minutes.
     */
    public ReconciliationConfigBuilder lease(Duration lease) {
        this.lease = lease;
        return this;
    }

    /**
     * How old a PENDING payment with no reconciliation entry may become before the job's sweep opens one for it
     * (reason {@code no-progress}), positive; the app passes {@code RECONCILIATION_AFTER}. Default 15 minutes.
     */
    public ReconciliationConfigBuilder noProgressAfter(Duration noProgressAfter) {
        this.noProgressAfter = noProgressAfter;
        return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException when a value is out of range (the message names it)
     * @throws NullPointerException when a value is null
     */
    public ReconciliationConfig build() {
        return new ReconciliationConfig(this);
    }
}
