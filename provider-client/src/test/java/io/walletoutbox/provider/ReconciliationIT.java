package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.embedded.Conditions;
import io.walletoutbox.provider.Infra.Payment;
import io.walletoutbox.provider.Reconciliation.Resolution;
import io.walletoutbox.provider.ResolveResult.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reconciliation that resolves, against real PostgreSQL, Kafka and the simulator over HTTP: the job settles entries
 * by itself once the biller answers (charging again when it never charged, failing and refunding once the key
 * retention has passed), and operators resolve by hand, idempotently and never against the biller's word.
 */
class ReconciliationIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    private final Infra infra = new Infra("reconciliation");
    private final TestOutcomes outcomes = new TestOutcomes(infra.jdbi);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProviderMetrics metrics = new ProviderMetrics();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final BillerSimulator sim =
            closing(BillerSimulator.start(SimulatorConfig.builder().build()));

    ReconciliationIT() {
        metrics.bindTo(registry);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        infra.close();
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    private Billers billers(BillerClientConfig wifi) {
        return closing(Billers.create(Map.of("wifi", wifi), metrics));
    }

    private static BillerClientConfig fast(BillerSimulator sim) {
        return Infra.clientConfig(sim).toBuilder()
                .breakerFailureThreshold(20)
                .breakerOpenFor(Duration.ofMillis(300))
                .build();
    }

    private void consumer(String topic, Billers billers) {
        var config = infra.consumerConfig(topic).toBuilder()
                .unknownRetryInitial(Duration.ofMillis(100))
                .unknownRetryMax(Duration.ofMillis(300))
                .reconciliationHorizon(Duration.ofSeconds(1))
                .build();
        closing(BillPaymentConsumer.create(config, infra.jdbi, billers, outcomes, metrics))
                .start();
    }

    private ReconciliationJob job(Billers billers, Duration recheck, Duration recheckMax) {
        var job = closing(ReconciliationJob.create(
                ReconciliationConfig.builder()
                        .recheckInterval(recheck)
                        .recheckMax(recheckMax)
                        .build(),
                infra.jdbi,
                billers,
                outcomes,
                metrics));
        job.start();
        return job;
    }

    private ReconciliationEntry awaitEntry(Reconciliation reconciliation, Payment p) {
        Conditions.await(
                WAIT,
                "payment " + p.paymentId() + " in reconciliation",
                () -> reconciliation.find(p.paymentId()).isPresent());
        return reconciliation.find(p.paymentId()).orElseThrow();
    }

    private void awaitRecorded(Payment p) {
        Conditions.await(
                WAIT,
                "an outcome for " + p.paymentId(),
                () -> !outcomes.rowsOf(p.paymentId()).isEmpty());
    }

    private long charges(UUID paymentId) {
        return sim.charges().stream()
                .filter(c -> c.idempotencyKey().equals(paymentId.toString()))
                .count();
    }

    private double resolved(String how, String outcome) {
        return registry.find("bill.payments.reconciliation.resolved")
                .tag("how", how)
                .tag("outcome", outcome)
                .functionCounter()
                .count();
    }

    private ResolveResult resolve(
            Reconciliation reconciliation, UUID paymentId, Resolution outcome, Optional<String> reference) {
        return infra.jdbi.inTransaction(
                h -> reconciliation.resolve(h, paymentId, outcome, reference, "checked with the biller", "op-1"));
    }

    /** DECLINED, asked again (deadline {@link #WAIT}) while it is refused for an attempt that may still land. */
    private ResolveResult resolveOnceDecidable(Reconciliation reconciliation, UUID paymentId) {
        var result = new java.util.concurrent.atomic.AtomicReference<ResolveResult>();
        Conditions.await(WAIT, "a decline of " + paymentId + " that can be decided", () -> {
            result.set(resolve(reconciliation, paymentId, Resolution.DECLINED, Optional.empty()));
            return result.get().status() != Status.ATTEMPT_IN_FLIGHT;
        });
        return result.get();
    }

    @Test
    void aBillerOutageLongerThanTheHorizonIsResolvedByTheJobAloneOnceTheBillerIsBack() {
        String topic = infra.topic("outage", 1);
        var billers = billers(fast(sim));
        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        var job = job(billers, Duration.ofMillis(200), Duration.ofSeconds(1));
        consumer(topic, billers);

        // The biller charges but every answer is lost, and it cannot be asked either.
        sim.failStatus(true);
        sim.faults(new SimulatorFaults(0, 0, 0, 1.0));
        List<Payment> charged = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            var p = Payment.of("w-charged-" + i, "ACC-C" + i, 100 + i);
            charged.add(p);
            infra.send(topic, p);
        }
        charged.forEach(p -> awaitEntry(reconciliation, p));
        // Then it refuses every payment, still unable to answer questions.
        sim.faults(new SimulatorFaults(0, 1.0, 0, 0));
        List<Payment> uncharged = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            var p = Payment.of("w-uncharged-" + i, "ACC-U" + i, 200 + i);
            uncharged.add(p);
            infra.send(topic, p);
        }
        uncharged.forEach(p -> awaitEntry(reconciliation, p));
        for (Payment p : charged) {
            assertEquals(1, charges(p.paymentId()), "charged during the outage");
        }
        for (Payment p : uncharged) {
            assertEquals(0, charges(p.paymentId()), "never charged during the outage");
        }
        Conditions.await(
                WAIT,
                "the job asked during the outage",
                () -> reconciliation
                                .find(charged.getFirst().paymentId())
                                .orElseThrow()
                                .checks()
                        >= 2);
        assertTrue(outcomes.rows().isEmpty(), "nothing settled while the biller cannot tell");
        Conditions.await(
                WAIT,
                "the pending gauge counts the entries",
                () -> registry.find("bill.payments.reconciliation.pending")
                                .gauge()
                                .value()
                        == 5);

        sim.faults(SimulatorFaults.NONE);
        sim.failStatus(false);
        charged.forEach(this::awaitRecorded);
        uncharged.forEach(this::awaitRecorded);
        for (Payment p : charged) {
            assertEquals(1, outcomes.rowsOf(p.paymentId()).size());
            assertEquals("paid", outcomes.rowsOf(p.paymentId()).getFirst().outcome());
            assertEquals(1, charges(p.paymentId()), "charged once");
            assertEquals(0, reconciliation.find(p.paymentId()).orElseThrow().recharges());
        }
        for (Payment p : uncharged) {
            assertEquals(1, outcomes.rowsOf(p.paymentId()).size());
            assertEquals("paid", outcomes.rowsOf(p.paymentId()).getFirst().outcome());
            assertEquals(1, charges(p.paymentId()), "charged again, once");
            // Asked to charge again at least once (more when the first request met a still-open circuit), charged once.
            assertTrue(reconciliation.find(p.paymentId()).orElseThrow().recharges() >= 1);
        }
        assertEquals(5, resolved("job", "paid"));
        assertEquals(0, resolved("operator", "paid"));
        Conditions.await(
                WAIT,
                "no entry left",
                () -> reconciliation.countPending() == 0
                        && registry.find("bill.payments.reconciliation.pending")
                                        .gauge()
                                        .value()
                                == 0
                        && registry.find("bill.payments.reconciliation.oldest.age")
                                        .gauge()
                                        .value()
                                == 0);
        assertTrue(job.isRunning());
        // Settled once: asking an operator to resolve again changes nothing.
        assertEquals(
                Status.ALREADY_RESOLVED,
                resolve(reconciliation, charged.getFirst().paymentId(), Resolution.PAID, Optional.empty())
                        .status());
        assertEquals(1, outcomes.rowsOf(charged.getFirst().paymentId()).size());
    }

    @Test
    void aPaymentNeverChargedPastTheBillersKeyRetentionIsFailedAndRefundedOnce() {
        String topic = infra.topic("retention", 1);
        // Short, but longer than the consumer's group join: the record's publication (before the join) bounds the
        // moment a charge may have been made, and the first 404 must be within the retention of it.
        var billers = billers(
                fast(sim).toBuilder().keyRetention(Duration.ofSeconds(8)).build());
        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        sim.faults(new SimulatorFaults(0, 1.0, 0, 0)); // refuses every payment; its status answers 404
        consumer(topic, billers);
        var p = Payment.of("w-never", "ACC-N", 900);
        infra.send(topic, p);
        var entry = awaitEntry(reconciliation, p);
        assertEquals("unknown-outcome", entry.reason());

        job(billers, Duration.ofMillis(100), Duration.ofMillis(300));
        awaitRecorded(p);
        var rows = outcomes.rowsOf(p.paymentId());
        assertEquals(1, rows.size());
        assertEquals("declined", rows.getFirst().outcome(), "FAILED and refunded");
        assertTrue(
                rows.getFirst().detail().contains("key retention"),
                rows.getFirst().detail());
        assertEquals(0, sim.charges().size(), "never charged");
        var resolvedEntry = reconciliation.find(p.paymentId()).orElseThrow();
        assertTrue(resolvedEntry.recharges() >= 1, "charged again while the biller remembered the key");
        assertEquals(1, resolved("job", "not-charged"));
        Conditions.await(WAIT, "no entry left", () -> reconciliation.countPending() == 0);

        assertEquals(
                Status.ALREADY_RESOLVED,
                resolve(reconciliation, p.paymentId(), Resolution.DECLINED, Optional.empty())
                        .status());
        assertEquals(
                Status.RESOLVED_OTHERWISE,
                resolve(reconciliation, p.paymentId(), Resolution.PAID, Optional.of("pay_x"))
                        .status());
        assertEquals(1, outcomes.rowsOf(p.paymentId()).size(), "refunded once");
    }

    @Test
    void operatorsResolveIdempotentlyAndNeverAgainstTheBillersWord() {
        String topic = infra.topic("operator", 1);
        var billers = billers(fast(sim));
        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        consumer(topic, billers);
        sim.failStatus(true);
        sim.faults(new SimulatorFaults(0, 0, 0, 1.0)); // charges, loses the answer
        var charged = Payment.of("w-op-1", "ACC-O1", 1000);
        infra.send(topic, charged);
        awaitEntry(reconciliation, charged);
        sim.faults(new SimulatorFaults(0, 1.0, 0, 0)); // refuses
        var uncharged = Payment.of("w-op-2", "ACC-O2", 2000);
        infra.send(topic, uncharged);
        awaitEntry(reconciliation, uncharged);

        assertEquals(
                Status.NOT_FOUND,
                resolve(reconciliation, UUID.randomUUID(), Resolution.DECLINED, Optional.empty())
                        .status());

        // The biller cannot answer: the operator's word stands, but PAID needs the biller's reference.
        var noRef = resolve(reconciliation, uncharged.paymentId(), Resolution.PAID, Optional.empty());
        assertEquals(Status.REFERENCE_REQUIRED, noRef.status());
        assertInstanceOf(BillerOutcome.Unknown.class, noRef.billerAnswer().orElseThrow());
        // DECLINED is refused while the consumer's last attempt may still land (the in-flight bound), then stands.
        assertEquals(
                Status.RESOLVED,
                resolveOnceDecidable(reconciliation, uncharged.paymentId()).status());
        assertEquals(
                Status.ALREADY_RESOLVED,
                resolve(reconciliation, uncharged.paymentId(), Resolution.DECLINED, Optional.empty())
                        .status());
        var refunds = outcomes.rowsOf(uncharged.paymentId());
        assertEquals(1, refunds.size(), "refunded once");
        assertEquals("declined", refunds.getFirst().outcome());
        assertTrue(refunds.getFirst().detail().contains("resolved by op-1: checked with the biller"));

        // The biller answers again, and it did charge the first one: declining it is refused.
        sim.failStatus(false);
        sim.faults(SimulatorFaults.NONE);
        var contradicted = resolve(reconciliation, charged.paymentId(), Resolution.DECLINED, Optional.empty());
        assertEquals(Status.CONTRADICTS_BILLER, contradicted.status());
        assertInstanceOf(BillerOutcome.Paid.class, contradicted.billerAnswer().orElseThrow());
        assertTrue(contradicted.detail().contains("cannot be declined"), contradicted.detail());
        assertEquals(
                Status.CONTRADICTS_BILLER,
                resolve(reconciliation, charged.paymentId(), Resolution.PAID, Optional.of("pay_wrong"))
                        .status());
        assertTrue(outcomes.rowsOf(charged.paymentId()).isEmpty(), "a refused resolution changes nothing");
        assertTrue(reconciliation.find(charged.paymentId()).isPresent());
        assertEquals(2, reconciliation.pending(10).size() + 1, "the declined one is resolved, this one is not");

        assertEquals(
                Status.RESOLVED,
                resolve(reconciliation, charged.paymentId(), Resolution.PAID, Optional.empty())
                        .status());
        assertEquals(
                Status.ALREADY_RESOLVED,
                resolve(reconciliation, charged.paymentId(), Resolution.PAID, Optional.empty())
                        .status());
        assertEquals(
                Status.RESOLVED_OTHERWISE,
                resolve(reconciliation, charged.paymentId(), Resolution.DECLINED, Optional.empty())
                        .status());
        var paid = outcomes.rowsOf(charged.paymentId());
        assertEquals(1, paid.size(), "settled once");
        assertEquals("paid", paid.getFirst().outcome());
        assertEquals(sim.charges().getFirst().id(), paid.getFirst().detail(), "the biller's reference");
        assertEquals(1, charges(charged.paymentId()));
        assertEquals(1, resolved("operator", "paid"));
        assertEquals(1, resolved("operator", "declined"));
        assertEquals(0, reconciliation.countPending());
    }
}
