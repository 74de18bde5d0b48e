package io.walletoutbox.outbox;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A value that gauges read from the database: read at most once per {@code cacheFor}, on a virtual thread, and never
 * holding its caller (a Prometheus scrape) longer than {@code waitAtMost}. While a read takes longer — the database
 * away, the pool waiting for a connection — callers get the last value (or {@code unavailable} before the first),
 * and the read's result is taken by the first call after it ends. A read that throws gives {@code unavailable},
 * remembered for {@code cacheFor} like any value, so a database that is away costs one wait per cache time, not
 * one per gauge.
 *
 * @param <T> the value
 */
public final class BoundedRead<T> {
    private final Supplier<T> reader;
    private final T unavailable;
    private final long cacheForNanos;
    private final Duration waitAtMost;
    private final LongSupplier nanoClock;
    private T value; // guarded by this
    private long readAt; // guarded by this
    private boolean read; // guarded by this
    private CompletableFuture<T> inFlight; // guarded by this

    /**
     * A value not read yet: the first {@link #get()} starts the first read.
     *
     * @param read the database read; may throw
     * @param unavailable what callers get while no read has succeeded, and after a failed read
     * @param cacheFor how long a value (or a failure) is reused
     * @param waitAtMost how long a caller waits for a read in progress
     * @param nanoClock the clock of {@code cacheFor} (nanoseconds; {@link System#nanoTime} in production)
     * @throws IllegalArgumentException when {@code cacheFor} or {@code waitAtMost} is negative
     */
    public BoundedRead(
            Supplier<T> read, T unavailable, Duration cacheFor, Duration waitAtMost, LongSupplier nanoClock) {
        this.reader = Objects.requireNonNull(read, "read");
        this.unavailable = unavailable;
        this.cacheForNanos = Objects.requireNonNull(cacheFor, "cacheFor").toNanos();
        this.waitAtMost = Objects.requireNonNull(waitAtMost, "waitAtMost");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        if (cacheFor.isNegative() || waitAtMost.isNegative()) {
            throw new IllegalArgumentException("cacheFor and waitAtMost must not be negative");
        }
    }

    /**
     * The value: cached, freshly read within {@code waitAtMost}, or the last one while a read is slow.
     *
     * @return the last value read, or {@code unavailable} before the first read has ended and after a read that threw
     */
    public synchronized T get() {
        if (inFlight == null && (!read || nanoClock.getAsLong() - readAt >= cacheForNanos)) {
            inFlight = CompletableFuture.supplyAsync(
                    reader, command -> Thread.ofVirtual().name("gauge-read").start(command));
        }
        if (inFlight != null) {
            try {
                take(inFlight.get(waitAtMost.toNanos(), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                return read ? value : unavailable;
            } catch (ExecutionException e) {
                take(unavailable);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return read ? value : unavailable;
            }
        }
        return value;
    }

    private void take(T v) {
        value = v;
        read = true;
        readAt = nanoClock.getAsLong();
        inFlight = null;
    }
}
