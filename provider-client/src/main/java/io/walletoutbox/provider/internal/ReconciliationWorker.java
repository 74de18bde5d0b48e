package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.BillPaymentCall;
import io.walletoutbox.provider.BillerClient;
import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.ReconciliationConfig;
import io.walletoutbox.provider.ReconciliationEntry;
import io.walletoutbox.provider.ReconciliationJob;
import io.walletoutbox.provider.internal.PostgresReconciliation.Row;
import io.walletoutbox.provider.internal.PostgresReconciliation.Settlement;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The reconciliation job: one platform thread claims due entries (a lease each) and hands them to virtual threads,
 * at most {@link ReconciliationConfig#concurrency()} at once; each asks the biller and settles or reschedules.
 */
public final class ReconciliationWorker implements ReconciliationJob {
    private static final Logger log = LoggerFactory.getLogger(ReconciliationWorker.class);
    private static final Duration GAUGE_REFRESH = Duration.ofSeconds(5);

    private final ReconciliationConfig config;
    private final Jdbi jdbi;
    private final Billers billers;
    private final OutcomeRecorder recorder;
    private final ProviderMetrics metrics;
    private final Backoff backoff;
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
        this.backoff = new Backoff(config.recheckInterval(), config.recheckMax());
        this.slots = new Semaphore(config.concurrency());
    }

    @Override
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        loop = Thread.ofPlatform().name("reconciliation-job").start(this::loop);
    }

    private Duration tick() {
        long half = config.recheckInterval().toMillis() / 2;
        return Duration.ofMillis(Math.clamp(half, 50, 5_000));
    }

    private void loop() {
        long gaugesAt = 0;
        try {
            while (running) {
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
                                    h -> PostgresReconciliation.claimDue(h, Instant.now(), config.lease()));
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
                                work(row);
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
            PostgresReconciliation.refreshGauges(jdbi, metrics);
        } catch (RuntimeException e) {
            log.warn("cannot count reconciliation entries: {}", e.toString());
        }
    }

    /** One entry: ask, then settle, charge again, or reschedule. Never throws. */
    void work(Row row) {
        ReconciliationEntry e = row.entry();
        MDC.put("paymentId", e.paymentId().toString());
        MDC.put("walletId", e.walletId());
        try {
            Optional<BillerClient> client = billers.client(e.biller());
            if (client.isEmpty()) {
                reschedule(e, "biller '" + e.biller() + "' is not configured: configure it, or resolve by hand", true);
                return;
            }
            BillerOutcome answer = client.get().status(e.paymentId());
            switch (answer) {
                case BillerOutcome.Paid(var reference) -> settle(e, Settlement.PAID, reference);
                case BillerOutcome.Declined(var reason) -> settle(e, Settlement.DECLINED, reason);
                case BillerOutcome.NotCharged n -> notCharged(row, client.get());
                case BillerOutcome.Unknown(var cause) -> reschedule(e, "status unknown: " + cause, false);
                case BillerOutcome.ConfigurationFault f ->
                    reschedule(e, "biller configuration fault " + f.status() + ": " + f.cause(), false);
            }
        } catch (RuntimeException ex) {
            log.warn("reconciliation check failed, will retry paymentId={} error={}", e.paymentId(), ex.toString());
            reschedule(e, "check failed: " + ex, false);
        } finally {
            MDC.remove("paymentId");
            MDC.remove("walletId");
        }
    }

    private void notCharged(Row row, BillerClient client) {
        ReconciliationEntry e = row.entry();
        Duration retention = billers.config(e.biller()).orElseThrow().keyRetention();
        Instant now = Instant.now();
        if (!PostgresReconciliation.provenUncharged(row, now, retention)) {
            reschedule(
                    e,
                    "the biller has no payment under this key, but its key retention (" + retention
                            + ") has passed since an attempt at "
                            + row.unprovenSince().orElseThrow()
                            + " that may have charged: settle it with the biller and resolve by hand",
                    true);
            return;
        }
        if (!now.isBefore(e.firstAttemptAt().plus(retention))) {
            settle(
                    e,
                    Settlement.NOT_CHARGED,
                    "not charged: the biller has no payment under this key and its key retention (" + retention
                            + ") has passed since the first attempt; refunded");
            return;
        }
        // Proven never charged, and the biller still remembers every attempt: charging again with the same key
        // cannot charge twice. The attempt is recorded before the request goes out.
        if (!jdbi.inTransaction(h -> PostgresReconciliation.beforeRecharge(h, e.paymentId(), now))) {
            return; // resolved meanwhile
        }
        log.info("reconciliation charges again with the same key paymentId={} biller={}", e.paymentId(), e.biller());
        BillerOutcome outcome =
                client.pay(new BillPaymentCall(e.paymentId(), e.customerRef(), e.amount(), e.currency(), null));
        switch (outcome) {
            case BillerOutcome.Paid(var reference) -> settle(e, Settlement.PAID, reference);
            case BillerOutcome.Declined(var reason) -> settle(e, Settlement.DECLINED, reason);
            case BillerOutcome.NotCharged n -> reschedule(e, "charge again: " + n.cause(), false);
            case BillerOutcome.Unknown(var cause) -> reschedule(e, "charged again, outcome unknown: " + cause, false);
            case BillerOutcome.ConfigurationFault f ->
                reschedule(e, "charged again, biller configuration fault " + f.status() + ": " + f.cause(), false);
        }
    }

    private void settle(ReconciliationEntry e, Settlement settlement, String detail) {
        Instant now = Instant.now();
        boolean settled;
        try {
            settled = jdbi.inTransaction(h -> {
                Optional<Row> locked = PostgresReconciliation.load(h, e.paymentId(), true);
                if (locked.isEmpty() || locked.get().resolved()) {
                    return false;
                }
                PostgresReconciliation.settle(h, recorder, e.paymentId(), settlement, detail, "job", ACTOR, now);
                return true;
            });
        } catch (RuntimeException ex) {
            log.warn(
                    "reconciliation could not record the biller's answer, will retry paymentId={} outcome={} error={}",
                    e.paymentId(),
                    settlement,
                    ex.toString());
            reschedule(e, "the biller answered " + settlement + " but recording failed: " + ex, false);
            return;
        }
        if (settled) {
            metrics.resolved("job", settlement.metricLabel());
            log.info(
                    "reconciliation entry resolved by the job paymentId={} outcome={} detail={}",
                    e.paymentId(),
                    settlement,
                    detail);
        }
    }

    private void reschedule(ReconciliationEntry e, String cause, boolean longest) {
        Instant now = Instant.now();
        Duration delay = longest
                ? config.recheckMax()
                : backoff.delay(
                        Math.min(e.checks() + 1, 30),
                        ThreadLocalRandom.current().nextDouble());
        try {
            jdbi.useTransaction(h -> PostgresReconciliation.reschedule(h, e.paymentId(), cause, now, now.plus(delay)));
        } catch (RuntimeException ex) {
            // The lease expires and the entry is claimed again then.
            log.warn("cannot reschedule reconciliation entry paymentId={} error={}", e.paymentId(), ex.toString());
        }
        log.debug("reconciliation entry asked again later paymentId={} in={} cause={}", e.paymentId(), delay, cause);
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
