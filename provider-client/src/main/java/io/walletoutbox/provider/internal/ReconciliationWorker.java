package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.LedgerPayment;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.ProviderMetrics.Escalation;
import io.walletoutbox.provider.ReconciliationConfig;
import io.walletoutbox.provider.ReconciliationJob;
import io.walletoutbox.provider.internal.ReconciliationStore.Row;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciliation job: one platform thread claims due entries (a lease each) and hands them to virtual threads,
 * at most {@link ReconciliationConfig#concurrency()} at once; each asks the biller and settles or reschedules
 * ({@link EntryCheck}). The same thread sweeps the ledger for PENDING payments that made no progress and have no
 * entry, and opens one for each.
 */
public final class ReconciliationWorker implements ReconciliationJob {
    private static final Logger log = LoggerFactory.getLogger(ReconciliationWorker.class);
    private static final Duration GAUGE_REFRESH = Duration.ofSeconds(5);
    private static final int SWEEP_BATCH = 100;

    private final ReconciliationConfig config;
    private final Jdbi jdbi;
    private final Billers billers;
    private final OutcomeRecorder recorder;
    private final ProviderMetrics metrics;
    private final EntryCheck check;
    private final Semaphore slots;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object wake = new Object();
    private volatile boolean running = true;
    private volatile boolean stopped;
    private Thread loop;

    public ReconciliationWorker(
            ReconciliationConfig config,
            Jdbi jdbi,
            Billers billers,
            OutcomeRecorder recorder,
            ProviderMetrics metrics) {
        this.config = Objects.requireNonNull(config, "config");
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.billers = Objects.requireNonNull(billers, "billers");
        this.recorder = Objects.requireNonNull(recorder, "recorder");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.check = new EntryCheck(config, jdbi, billers, recorder, metrics);
        this.slots = new Semaphore(config.concurrency());
    }

    @Override
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        loop = Thread.ofPlatform().name("reconciliation-job").start(this::loop);
    }

    /** How often the sweep runs: the re-check interval, at least a second and at most a minute. */
    private Duration sweepEvery() {
        return Duration.ofMillis(Math.clamp(config.recheckInterval().toMillis(), 1_000, 60_000));
    }

    private Duration tick() {
        long half = config.recheckInterval().toMillis() / 2;
        return Duration.ofMillis(Math.clamp(half, 50, 5_000));
    }

    private void loop() {
        long gaugesAt = 0;
        long sweptAt = System.nanoTime() - sweepEvery().toNanos();
        try {
            while (running) {
                if (System.nanoTime() - sweptAt >= sweepEvery().toNanos()) {
                    sweep();
                    sweptAt = System.nanoTime();
                }
                if (System.nanoTime() - gaugesAt >= GAUGE_REFRESH.toNanos()) {
                    refreshGauges();
                    gaugesAt = System.nanoTime();
                }
                boolean claimedAny = false;
                try {
                    while (running && slots.tryAcquire(tick().toMillis(), TimeUnit.MILLISECONDS)) {
                        Optional<Row> due;
                        try {
                            due = jdbi.inTransaction(
                                    h -> ReconciliationStore.claimDue(h, Instant.now(), config.lease()));
                        } catch (RuntimeException e) {
                            slots.release();
                            log.warn("reconciliation job cannot read its entries, will retry: {}", e.toString());
                            break;
                        }
                        if (due.isEmpty()) {
                            slots.release();
                            break;
                        }
                        claimedAny = true;
                        Row row = due.get();
                        workers.execute(() -> {
                            try {
                                check.work(row);
                            } finally {
                                slots.release();
                            }
                        });
                    }
                    if (claimedAny) {
                        refreshGauges();
                        gaugesAt = System.nanoTime();
                    }
                    synchronized (wake) {
                        if (running) {
                            wake.wait(tick().toMillis());
                        }
                    }
                } catch (InterruptedException e) {
                    if (running) {
                        log.error("reconciliation job interrupted; stopping it");
                    }
                    return;
                }
            }
        } catch (RuntimeException | Error e) {
            log.error("reconciliation job failed; stopping it", e);
        } finally {
            if (running) { // died: close() would otherwise give the entries in progress their grace
                workers.shutdownNow();
            }
            stopped = true;
        }
    }

    private void refreshGauges() {
        try {
            ReconciliationStore.refreshGauges(jdbi, metrics);
        } catch (RuntimeException e) {
            log.warn("cannot count reconciliation entries: {}", e.toString());
        }
    }

    /** Opens a {@code no-progress} entry for each PENDING payment older than the bound that has none. */
    void sweep() {
        Instant before = Instant.now().minus(config.noProgressAfter());
        try {
            List<LedgerPayment> opened = jdbi.inTransaction(h -> {
                List<LedgerPayment> done = new ArrayList<>();
                Instant now = Instant.now();
                for (LedgerPayment p : recorder.stalePending(h, before, SWEEP_BATCH)) {
                    if (billers.client(p.biller())
                            .map(c -> c.answersConfigurationFault())
                            .orElse(false)) {
                        continue; // held by a configuration fault (alerted on), not stalled: the consumer goes on
                    }
                    // Any attempt may have been made since the payment was (another consumer, before a crash), and
                    // one may still be on its way now: no 404 proves anything before the in-flight bound.
                    var opening = new ReconciliationStore.Opening(
                            p,
                            null,
                            Escalation.NO_PROGRESS,
                            "PENDING since " + p.createdAt() + " with no outcome and no reconciliation entry after "
                                    + config.noProgressAfter(),
                            1,
                            p.createdAt(),
                            p.createdAt(),
                            now);
                    if (ReconciliationStore.insert(h, opening)) {
                        done.add(p);
                    }
                }
                return done;
            });
            for (LedgerPayment p : opened) {
                metrics.escalated(Escalation.NO_PROGRESS);
                log.warn(
                        "payment put in reconciliation reason=no-progress paymentId={} walletId={} createdAt={}",
                        p.paymentId(),
                        p.walletId(),
                        p.createdAt());
            }
        } catch (RuntimeException e) {
            log.warn("reconciliation sweep failed, will retry: {}", e.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return started.get() && running && !stopped;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        synchronized (wake) {
            wake.notifyAll();
        }
        Thread t = loop;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
    }
}
