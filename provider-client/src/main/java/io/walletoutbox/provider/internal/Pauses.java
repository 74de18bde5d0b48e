package io.walletoutbox.provider.internal;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting that a cancellation cuts short. */
final class Pauses {
    private Pauses() {}

    /** Waits {@code d} unless cancelled first (checked every 50 ms); false when cancelled. */
    static boolean pause(Duration d, BooleanSupplier cancelled) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        while (!cancelled.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            Thread.sleep(Duration.ofNanos(Math.min(left, 50_000_000L)));
        }
        return false;
    }

    static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
