package io.walletoutbox.relay.cdc.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** The relay's back-off arithmetic: waits doubled up to a limit, each jittered. */
final class Backoff {
    private Backoff() {}

    /** A wait between half of {@code d} and {@code d}, so instances that failed together do not retry together. */
    static Duration jitter(Duration d) {
        long ms = Math.max(1, d.toMillis());
        return Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
    }

    /** The next wait after {@code d}: doubled, at most {@code max}. */
    static Duration next(Duration d, Duration max) {
        Duration doubled = d.multipliedBy(2);
        return doubled.compareTo(max) <= 0 ? doubled : max;
    }

    /** A pause that ends early when the relay closes. */
    @FunctionalInterface
    interface Pause {
        void pause(Duration d);
    }
}
