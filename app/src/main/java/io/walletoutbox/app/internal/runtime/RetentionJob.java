package io.walletoutbox.app.internal.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Purges what has outlived its retention (audit records, processed event ids, …) on a fixed delay, on one virtual
 * thread. A failed purge is logged and tried again next round: nothing here moves money, so a missed round only keeps
 * rows a little longer.
 */
final class RetentionJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);

    /** One purge: a name for the log and the action, which returns how many rows it removed. */
    record Purge(String name, LongSupplier action) {
        Purge {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(action, "action");
        }
    }

    private final ScheduledExecutorService executor;

    RetentionJob(List<Purge> purges, Duration every) {
        List<Purge> all = List.copyOf(purges);
        this.executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name("retention").factory());
        executor.scheduleWithFixedDelay(
                () -> {
                    for (Purge purge : all) {
                        try {
                            long removed = purge.action().getAsLong();
                            if (removed > 0) {
                                log.info("retention purge={} removed={}", purge.name(), removed);
                            }
                        } catch (RuntimeException e) {
                            log.warn("retention purge={} failed; trying again in {}", purge.name(), every, e);
                        }
                    }
                },
                Math.min(every.toMillis(), 60_000),
                every.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        executor.shutdownNow();
        if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
            log.warn("the retention job did not stop within 10 s");
        }
    }
}
