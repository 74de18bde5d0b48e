package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.embedded.Conditions;
import io.walletoutbox.provider.Infra.Payment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bill-payment consumer with real Kafka, real PostgreSQL and the real biller simulator. */
class BillPaymentConsumerIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static Infra infra;
    private static TestOutcomes outcomes;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProviderMetrics metrics = new ProviderMetrics();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final BillerSimulator sim =
            BillerSimulator.start(SimulatorConfig.builder().build());

    @BeforeAll
    static void setUp() {
        infra = new Infra("consumer");
        outcomes = new TestOutcomes(infra.jdbi);
    }

    @AfterAll
    static void tearDown() {
        infra.close();
    }

    BillPaymentConsumerIT() {
        metrics.bindTo(registry);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        sim.close();
    }

    private BillPaymentConsumer consumer(BillPaymentConsumerConfig config, Billers billers, ProcessingHook hook) {
        var c = BillPaymentConsumer.create(config, infra.jdbi, billers, outcomes, metrics, hook);
        toClose.add(c);
        c.start();
        return c;
    }

    /** The tests' biller, {@code wifi} (the biller of {@code Payment.of}), as {@code config} says. */
    private Billers wifi(BillerClientConfig config) {
        var c = Billers.create(Map.of("wifi", config), metrics);
        toClose.add(c);
        return c;
    }

    private BillPaymentConsumer consumer(String topic) {
        return consumer(infra.consumerConfig(topic), wifi(Infra.clientConfig(sim)), ProcessingHook.NONE);
    }

    private long chargesFor(UUID paymentId) {
        return sim.charges().stream()
                .filter(c -> c.idempotencyKey().equals(paymentId.toString()))
                .count();
    }

    private void awaitRecorded(Payment p) {
        Conditions.await(
                WAIT,
                "an outcome for " + p.paymentId(),
                () -> !outcomes.rowsOf(p.paymentId()).isEmpty());
    }

    /** How many times the biller answered {@code paymentId}. */
    private int answered(UUID paymentId) {
        return sim.answers().stream()
                .filter(a -> a.idempotencyKey().equals(paymentId.toString()))
                .mapToInt(AnsweredKey::answered)
                .sum();
    }

    private double counter(String name) {
        return registry.find(name).functionCounters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    @Test
    void sameEventDeliveredThreeTimesChargesOnceAndRecordsOnce() {
        String topic = infra.topic("three-times", 1);
        var p = Payment.of("wallet-a", "ACC-1", 2500);
        for (int i = 0; i < 3; i++) {
            infra.send(topic, p);
        }
        var marker = Payment.of("wallet-a", "ACC-2", 100); // processed after the three copies (same key)
        infra.send(topic, marker);
        var consumer = consumer(topic);
        assertTrue(consumer.isRunning());
        awaitRecorded(marker);
        consumer.close();
        assertFalse(consumer.isRunning());
        var rows = outcomes.rowsOf(p.paymentId());
        assertEquals(1, rows.size(), "one outcome");
        assertEquals("paid", rows.getFirst().outcome());
        assertEquals(1, chargesFor(p.paymentId()), "one charge");
        assertEquals(1, answered(p.paymentId()), "the copies were skipped by the inbox, not replayed at the biller");
        assertEquals(
                sim.charges().stream()
                        .filter(c -> c.idempotencyKey().equals(p.paymentId().toString()))
                        .findFirst()
                        .orElseThrow()
                        .id(),
                rows.getFirst().detail());
        assertEquals(2, counter("bill.payments.duplicates"));
        assertTrue(outcomes.inboxHas(p.eventId()));
    }

    @Test
    void consumerDyingAfterTheBillersAnswerAndBeforeItsTransactionIsRedeliveredAndChargesOnce() throws Exception {
        String topic = infra.topic("crash", 1);
        var p = Payment.of("wallet-b", "ACC-3", 700);
        infra.send(topic, p);
        var hookReached = new CountDownLatch(1);
        var billers = wifi(Infra.clientConfig(sim));
        var first = consumer(infra.consumerConfig(topic), billers, (paymentId, outcome) -> {
            hookReached.countDown();
            throw new IllegalStateException("simulated crash between the biller's 200 and the transaction");
        });
        assertTrue(hookReached.await(60, TimeUnit.SECONDS), "the biller answered the first consumer");
        assertEquals(1, chargesFor(p.paymentId()));
        first.close();
        assertTrue(outcomes.rowsOf(p.paymentId()).isEmpty(), "the crashed consumer recorded nothing");
        assertFalse(outcomes.inboxHas(p.eventId()));

        consumer(infra.consumerConfig(topic), billers, ProcessingHook.NONE);
        awaitRecorded(p);
        var rows = outcomes.rowsOf(p.paymentId());
        assertEquals(1, rows.size());
        assertEquals("paid", rows.getFirst().outcome());
        assertEquals(1, chargesFor(p.paymentId()), "the redelivery replayed the charge, it did not charge again");
        // The crashed consumer may have retried before it closed; the redelivery asked at least once more.
        assertTrue(answered(p.paymentId()) >= 2, "the redelivery asked the biller again");
    }

    @Test
    void chargeThenDropResponseIsRecordedPaidWithOneCharge() {
        String topic = infra.topic("drop", 1);
        sim.dropNext(1);
        var p = Payment.of("wallet-c", "ACC-4", 900);
        infra.send(topic, p);
        consumer(topic);
        awaitRecorded(p);
        assertEquals("paid", outcomes.rowsOf(p.paymentId()).getFirst().outcome());
        assertEquals(1, chargesFor(p.paymentId()));
    }

    @Test
    void serviceUnavailableTimesNThenOkChargesOnce() {
        String topic = infra.topic("503s", 1);
        sim.failNext(6); // more than one call's attempts: the consumer asks again with the same key
        var p = Payment.of("wallet-d", "ACC-5", 1200);
        infra.send(topic, p);
        consumer(topic);
        awaitRecorded(p);
        assertEquals(1, outcomes.rowsOf(p.paymentId()).size());
        assertEquals("paid", outcomes.rowsOf(p.paymentId()).getFirst().outcome());
        assertEquals(1, chargesFor(p.paymentId()));
        assertTrue(registry.find("biller.retries").functionCounter().count() >= 5);
    }

    @Test
    void declineIsRecordedOnceAndChargesNothing() {
        String topic = infra.topic("decline", 1);
        var p = Payment.of("wallet-e", "DECLINE-9", 300);
        infra.send(topic, p);
        infra.send(topic, p);
        var marker = Payment.of("wallet-e", "ACC-6", 100);
        infra.send(topic, marker);
        consumer(topic);
        awaitRecorded(marker);
        var rows = outcomes.rowsOf(p.paymentId());
        assertEquals(1, rows.size());
        assertEquals("declined", rows.getFirst().outcome());
        assertTrue(rows.getFirst().detail().contains("DECLINE-9"));
        assertEquals(0, chargesFor(p.paymentId()));
    }

    @Test
    void outcomeUnknownPastTheHorizonGoesToReconciliationNotToARefund() {
        String topic = infra.topic("unknown", 1);
        try (var hanging = BillerSimulator.start(SimulatorConfig.builder()
                .faults(new SimulatorFaults(0, 0, 1.0, 0))
                .hangTime(Duration.ofSeconds(20))
                .build())) {
            var billers = wifi(Infra.clientConfig(hanging).toBuilder()
                    .requestTimeout(Duration.ofMillis(150))
                    .maxAttempts(2)
                    .initialBackoff(Duration.ofMillis(10))
                    .maxBackoff(Duration.ofMillis(20))
                    .build());
            var config = infra.consumerConfig(topic).toBuilder()
                    .unknownRetryInitial(Duration.ofMillis(100))
                    .unknownRetryMax(Duration.ofMillis(200))
                    .reconciliationHorizon(Duration.ofMillis(1500))
                    .build();
            var p = Payment.of("wallet-f", "ACC-7", 4200);
            infra.send(topic, p);
            var marker = Payment.of("wallet-f", "ACC-8", 100);
            consumer(config, billers, ProcessingHook.NONE);
            var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
            Conditions.await(
                    WAIT,
                    "the payment awaits reconciliation",
                    () -> reconciliation.pending(100).stream()
                            .anyMatch(e -> e.paymentId().equals(p.paymentId())));
            var entry = reconciliation.pending(100).stream()
                    .filter(e -> e.paymentId().equals(p.paymentId()))
                    .findFirst()
                    .orElseThrow();
            assertEquals(p.eventId(), entry.eventId());
            assertEquals("wallet-f", entry.walletId());
            assertEquals(4200, entry.amount());
            assertTrue(entry.attempts() >= 2, "asked more than once: " + entry.attempts());
            assertTrue(outcomes.rowsOf(p.paymentId()).isEmpty(), "neither paid nor declined");
            assertEquals(0, hanging.charges().size());
            assertTrue(outcomes.inboxHas(p.eventId()), "acknowledged: the partition moves on");
            assertEquals(
                    1.0,
                    registry.find("bill.payments.reconciliation.pending")
                            .gauge()
                            .value());
            assertTrue(reconciliation.countPending() >= 1);
            hanging.faults(SimulatorFaults.NONE);
            infra.send(topic, marker);
            awaitRecorded(marker);
            assertEquals(1, hanging.charges().size(), "only the later payment charged");
        }
    }

    @Test
    void billerRefusingTheCredentialKeepsThePaymentPendingOutOfReconciliationAndPaysOnceWhenAcceptedAgain() {
        String topic = infra.topic("config-fault", 1);
        String ourKey = "biller-key-1";
        sim.requireApiKey(Optional.of("rotated-at-the-biller")); // the biller stopped accepting our key
        var billers = wifi(Infra.clientConfig(sim).toBuilder()
                .apiKey(Optional.of(ourKey))
                .breakerFailureThreshold(2)
                .breakerOpenFor(Duration.ofMillis(300))
                .build());
        Duration horizon = Duration.ofMillis(500);
        var config = infra.consumerConfig(topic).toBuilder()
                .unknownRetryInitial(Duration.ofMillis(50))
                .unknownRetryMax(Duration.ofMillis(200))
                .reconciliationHorizon(horizon)
                .build();
        var p = Payment.of("wallet-h", "ACC-11", 3100);
        Instant sent = Instant.now();
        infra.send(topic, p);
        consumer(config, billers, ProcessingHook.NONE);
        var circuit = registry.find("biller.circuit.state").gauge();
        Conditions.await(WAIT, "the refusals open the circuit", () -> circuit.value() == ProviderMetrics.CIRCUIT_OPEN);
        var refused = registry.find("biller.config.faults").tag("status", "401").functionCounter();
        Conditions.await(
                WAIT,
                "the biller refused the key for several horizons",
                () -> refused.count() >= 4
                        && Duration.between(sent, Instant.now()).compareTo(horizon.multipliedBy(4)) > 0);

        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        assertTrue(
                reconciliation.pending(1_000).stream()
                        .noneMatch(e -> e.paymentId().equals(p.paymentId())),
                "a configuration fault never sends the payment to reconciliation");
        assertTrue(outcomes.rowsOf(p.paymentId()).isEmpty(), "neither paid nor declined (no refund): still pending");
        assertFalse(outcomes.inboxHas(p.eventId()), "not acknowledged: still being retried");
        assertEquals(0, chargesFor(p.paymentId()));
        assertTrue(registry.find("biller.calls")
                        .tag("outcome", "config_fault")
                        .functionCounter()
                        .count()
                >= 4);
        assertEquals(
                0,
                registry.find("biller.calls")
                        .tag("outcome", "declined")
                        .functionCounter()
                        .count());

        sim.requireApiKey(Optional.of(ourKey)); // the operator fixed the credential
        awaitRecorded(p);
        var rows = outcomes.rowsOf(p.paymentId());
        assertEquals(1, rows.size());
        assertEquals("paid", rows.getFirst().outcome());
        assertEquals(1, chargesFor(p.paymentId()), "charged exactly once");
        assertTrue(outcomes.inboxHas(p.eventId()));
        assertTrue(reconciliation.pending(1_000).stream()
                .noneMatch(e -> e.paymentId().equals(p.paymentId())));
        assertEquals(ProviderMetrics.CIRCUIT_CLOSED, circuit.value());
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicAndTheNextGoodRecordOfThePartitionIsProcessed() {
        String topic = infra.topic("poison", 1);
        infra.send(
                topic,
                "wallet-g",
                "BillPaymentRequested",
                UUID.randomUUID().toString(),
                "{not json".getBytes(StandardCharsets.UTF_8));
        infra.send(
                topic,
                "wallet-g",
                "BillPaymentRequested",
                null,
                Payment.of("wallet-g", "ACC-9", 1).json().getBytes(StandardCharsets.UTF_8));
        infra.send(
                topic,
                "wallet-g",
                "BillPaymentTeleported",
                UUID.randomUUID().toString(),
                "{}".getBytes(StandardCharsets.UTF_8));
        infra.send(
                topic,
                "wallet-g",
                "WalletCreated",
                UUID.randomUUID().toString(),
                "{}".getBytes(StandardCharsets.UTF_8));
        var good = Payment.of("wallet-g", "ACC-10", 500);
        infra.send(topic, good);
        consumer(topic);
        awaitRecorded(good);
        assertEquals(1, chargesFor(good.paymentId()));
        var dead = infra.read(topic + ".dlq", 3, WAIT);
        assertEquals(3, dead.size());
        for (var r : dead) {
            assertEquals("wallet-g", r.key());
            assertTrue(r.headers().lastHeader("dlq_error") != null, "error header");
            assertTrue(new String(r.headers().lastHeader("dlq_origin").value(), StandardCharsets.UTF_8)
                    .startsWith(topic + "-0@"));
        }
        assertEquals(
                "{not json",
                new String(dead.getFirst().value(), StandardCharsets.UTF_8),
                "the value is kept as it was");
        assertEquals(3, counter("bill.payments.dead.lettered"));
        assertEquals(
                List.of("unparseable", "unparseable", "unknown-event-type"),
                dead.stream()
                        .map(r ->
                                new String(r.headers().lastHeader("dlq_reason").value(), StandardCharsets.UTF_8))
                        .toList());
        assertEquals(
                2,
                registry.find("bill.payments.dead.lettered")
                        .tag("reason", "unparseable")
                        .functionCounter()
                        .count());
        assertEquals(1, counter("bill.payments.ignored"));
    }
}
