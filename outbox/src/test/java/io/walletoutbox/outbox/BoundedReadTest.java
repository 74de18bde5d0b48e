package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BoundedReadTest {
    private final AtomicLong clock = new AtomicLong();
    private final AtomicInteger reads = new AtomicInteger();

    @Test
    void aValueIsReadOncePerCacheTime() {
        var value =
                new BoundedRead<>(reads::incrementAndGet, -1, Duration.ofSeconds(5), Duration.ofSeconds(5), clock::get);
        assertEquals(1, value.get());
        assertEquals(1, value.get());
        clock.addAndGet(Duration.ofSeconds(5).toNanos());
        assertEquals(2, value.get());
        assertEquals(2, reads.get());
    }

    @Test
    void aSlowReadNeverHoldsTheCallerLongerThanTheBoundAndItsValueIsTakenOnceItEnds() throws Exception {
        var release = new CountDownLatch(1);
        var slow = new AtomicInteger(); // 0: answer at once; 1: wait for the release
        var value = new BoundedRead<>(
                () -> {
                    if (slow.get() == 1) {
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return reads.incrementAndGet();
                },
                -1,
                Duration.ZERO,
                Duration.ofMillis(50),
                clock::get);
        assertEquals(1, value.get());
        slow.set(1);
        long start = System.nanoTime();
        assertEquals(1, value.get(), "the last value while the read is slow");
        assertEquals(1, value.get(), "one read in flight, not one per caller");
        assertEquals(true, System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
        release.countDown();
        slow.set(0);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int seen = value.get();
        while (seen != 2 && System.nanoTime() < deadline) {
            seen = value.get();
        }
        assertEquals(2, seen, "the slow read's value once it ended");
    }

    @Test
    void aFailedReadIsUnavailableForTheCacheTime() {
        var value = new BoundedRead<Integer>(
                () -> {
                    reads.incrementAndGet();
                    throw new IllegalStateException("the database is away (test)");
                },
                -1,
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                clock::get);
        assertEquals(-1, value.get());
        assertEquals(-1, value.get());
        assertEquals(1, reads.get(), "a failure is remembered for the cache time");
    }
}
