package io.walletoutbox.app.internal.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.walletoutbox.wallet.LedgerAudit;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audits the whole ledger ({@link io.walletoutbox.wallet.Wallets#audit()}: I1, I2, clearing against pending payments)
 * on a fixed delay ({@code LEDGER_AUDIT_INTERVAL}), on one virtual thread, and exports what it found:
 * {@code ledger.audit.differences} (of the last completed audit; NaN until one completes) and {@code ledger.audit.age}
 * (seconds since the last completed audit, or since the job started while none has). An audit with differences is
 * logged at ERROR with the accounts concerned; a failed audit is logged and tried again next round, the age going on
 * growing. It only reads: nothing is repaired here (docs/operations.md, "Ledger audit").
 */
final class LedgerAuditJob implements MeterBinder, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LedgerAuditJob.class);
    private static final int IDS_LOGGED = 20;

    private final Supplier<LedgerAudit> audit;
    private final LongSupplier nanoTime;
    private ScheduledExecutorService executor; // set by start
    private volatile double differences = Double.NaN;
    private volatile double seconds = Double.NaN;
    private volatile long lastSuccess; // nanoTime of the last completed audit, or of the job's creation

    LedgerAuditJob(Supplier<LedgerAudit> audit, LongSupplier nanoTime) {
        this.audit = Objects.requireNonNull(audit, "audit");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.lastSuccess = nanoTime.getAsLong();
    }

    /** Starts auditing every {@code every}, the first time after {@code every} or one minute, whichever is less. */
    LedgerAuditJob start(Duration every) {
        if (executor != null) {
            throw new IllegalStateException("started already");
        }
        executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name("ledger-audit").factory());
        executor.scheduleWithFixedDelay(
                this::runOnce, Math.min(every.toMillis(), 60_000), every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("ledger.audit.differences", this, job -> job.differences)
                .strongReference(true)
                .description("Differences the last completed ledger audit found (accounts out of balance, running"
                        + " totals off, negative accounts, clearing accounts off their pending payments, a non-zero"
                        + " sum of balances); 0 when consistent, NaN until the first audit completes")
                .register(registry);
        Gauge.builder("ledger.audit.age", this, LedgerAuditJob::age)
                .strongReference(true)
                .description("Time since the last completed ledger audit (since the start while none has completed)")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("ledger.audit.duration", this, job -> job.seconds)
                .strongReference(true)
                .description("How long the last completed ledger audit took (NaN until one completes)")
                .baseUnit("seconds")
                .register(registry);
    }

    /** One audit, now, on the caller's thread; never throws (a failure is logged and leaves the gauges as they were). */
    void runOnce() {
        long started = nanoTime.getAsLong();
        LedgerAudit found;
        try {
            found = audit.get();
        } catch (RuntimeException e) {
            log.warn("ledger audit failed; trying again next round", e);
            return;
        }
        long ended = nanoTime.getAsLong();
        differences = found.differences();
        seconds = (ended - started) / 1e9;
        lastSuccess = ended;
        if (found.consistent()) {
            log.debug("ledger audit: consistent ({} accounts, {} transfers)", found.accounts(), found.transfers());
        } else {
            log.error(
                    "ledger audit: {} difference(s) (I1/I2): sumOfBalances={} outOfBalance={} entriesDrift={}"
                            + " clearingMismatch={} negative={} accounts={} transfers={}",
                    found.differences(),
                    found.sumOfBalances(),
                    first(found.outOfBalance()),
                    first(found.entriesDrift()),
                    first(found.clearingMismatch()),
                    first(found.negative()),
                    found.accounts(),
                    found.transfers());
        }
    }

    double age() {
        return (nanoTime.getAsLong() - lastSuccess) / 1e9;
    }

    private static String first(List<UUID> ids) {
        return ids.size() <= IDS_LOGGED
                ? ids.toString()
                : ids.subList(0, IDS_LOGGED) + " and " + (ids.size() - IDS_LOGGED) + " more";
    }

    @Override
    public void close() throws InterruptedException {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
            log.warn("the ledger audit did not stop within 10 s");
        }
    }
}
