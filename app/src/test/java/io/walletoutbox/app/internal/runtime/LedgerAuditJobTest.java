package io.walletoutbox.app.internal.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.wallet.LedgerAudit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** What the audit job exports, driven by hand: a scripted audit and a clock the test moves. */
class LedgerAuditJobTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(100 * SECOND);
    private final Deque<Supplier<LedgerAudit>> answers = new ArrayDeque<>();
    private final LedgerAuditJob job = new LedgerAuditJob(() -> answers.pop().get(), now::get);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    LedgerAuditJobTest() {
        job.bindTo(registry);
    }

    @Test
    void beforeTheFirstAuditThereAreNoDifferencesToReportAndTheAgeCountsFromTheStart() {
        now.addAndGet(30 * SECOND);
        assertTrue(Double.isNaN(gauge("ledger.audit.differences")));
        assertEquals(30.0, gauge("ledger.audit.age"));
        assertTrue(Double.isNaN(gauge("ledger.audit.duration")));
    }

    @Test
    void aConsistentLedgerExportsZeroAndADifferentOneItsCount() {
        answers.add(() -> audit(0, List.of()));
        answers.add(() -> {
            now.addAndGet(2 * SECOND); // the audit takes two seconds
            return audit(5, List.of(UUID.randomUUID(), UUID.randomUUID()));
        });
        job.runOnce();
        assertEquals(0.0, gauge("ledger.audit.differences"));
        assertEquals(0.0, gauge("ledger.audit.age"));

        now.addAndGet(60 * SECOND);
        job.runOnce();
        assertEquals(3.0, gauge("ledger.audit.differences")); // two accounts out of balance and a sum of 5
        assertEquals(2.0, gauge("ledger.audit.duration"));
        assertEquals(0.0, gauge("ledger.audit.age"));
    }

    @Test
    void aFailedAuditKeepsTheLastResultAndLetsTheAgeGrow() {
        answers.add(() -> audit(0, List.of()));
        answers.add(() -> {
            throw new IllegalStateException("the database is down");
        });
        job.runOnce();
        now.addAndGet(600 * SECOND);
        job.runOnce();
        assertEquals(0.0, gauge("ledger.audit.differences"));
        assertEquals(600.0, gauge("ledger.audit.age"));
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private static LedgerAudit audit(long sumOfBalances, List<UUID> outOfBalance) {
        return new LedgerAudit(10, 20, sumOfBalances, outOfBalance, List.of(), List.of(), List.of());
    }
}
