package io.walletoutbox.app.internal.runtime;

import io.walletoutbox.app.internal.audit.AuditLog;
import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.provider.InboxRetention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Purges what has outlived its retention (audit records, processed event ids) every {@code RETENTION_INTERVAL}, on
 * one virtual thread. A failed purge is logged and tried again next round: nothing here moves money, so a missed
 * round only keeps rows a little longer.
 */
final class RetentionJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);

    /**
     * One purge: a name for the log and the action, which returns how many rows it removed and logs that count at
     * INFO itself when it removed any (this job logs it only at DEBUG).
     */
    record Purge(String name, LongSupplier action) {
        Purge {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(action, "action");
        }
    }

    private final ScheduledExecutorService executor;

    /**
     * The purges of an instance of {@code config}, every {@code RETENTION_INTERVAL}: the operators' audit records
     * on every instance; the processed event ids on an instance of the consumer role (the role that writes them),
     * never the entry of an event whose payment is in unresolved reconciliation ({@link InboxRetention}).
     */
    static RetentionJob start(AppConfig config, Jdbi jdbi, AuditLog audit) {
        AppConfig.Retention retention = config.retention();
        List<Purge> purges = new ArrayList<>();
        purges.add(new Purge("admin_audit", () -> audit.purge(retention.audit())));
        if (config.runs(AppConfig.Role.CONSUMER)) {
            purges.add(new Purge("inbox", () -> InboxRetention.purge(jdbi, retention.inbox())));
        }
        return new RetentionJob(purges, retention.purgeInterval());
    }

    RetentionJob(List<Purge> purges, Duration every) {
        List<Purge> all = List.copyOf(purges);
        if (every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("every must be positive, was " + every);
        }
        this.executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name("retention").factory());
        executor.scheduleWithFixedDelay(
                () -> {
                    for (Purge purge : all) {
                        try {
                            long removed = purge.action().getAsLong();
                            log.debug("retention purge={} removed={}", purge.name(), removed);
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
