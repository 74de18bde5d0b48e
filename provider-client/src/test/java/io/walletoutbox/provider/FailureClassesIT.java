package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.embedded.Conditions;
import io.walletoutbox.provider.Infra.Payment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Failure classes of the consumer with real Kafka, PostgreSQL and simulators over HTTP: permanent failures are
 * dead-lettered and never block a wallet or a partition, a biller's text is cleaned before the ledger, a transient
 * failure past its bound is escalated, and one biller's outage does not hold up another's payments.
 */
class FailureClassesIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    // A database per test: a test's reconciliation job must not meet another test's entries.
    private final Infra infra = new Infra("failures");
    private final TestOutcomes outcomes = new TestOutcomes(infra.jdbi);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProviderMetrics metrics = new ProviderMetrics();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    FailureClassesIT() {
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

    private BillerSimulator sim() {
        return closing(BillerSimulator.start(SimulatorConfig.builder().build()));
    }

    private Billers billers(Map<String, BillerSimulator> sims) {
        return closing(Billers.create(Infra.billers(sims), metrics));
    }

    private BillPaymentConsumer consumer(BillPaymentConsumerConfig config, Billers billers) {
        var c = closing(BillPaymentConsumer.create(config, infra.jdbi, billers, outcomes, metrics));
        c.start();
        return c;
    }

    private void awaitRecorded(Payment p) {
        Conditions.await(
                WAIT,
                "an outcome for " + p.paymentId(),
                () -> !outcomes.rowsOf(p.paymentId()).isEmpty());
    }

    private static long charges(BillerSimulator sim, UUID paymentId) {
        return sim.charges().stream()
                .filter(c -> c.idempotencyKey().equals(paymentId.toString()))
                .count();
    }

    private double deadLettered(String reason) {
        return registry.find("bill.payments.dead.lettered")
                .tag("reason", reason)
                .functionCounter()
                .count();
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void recordsOfEveryPermanentClassAreDeadLetteredInboxMarkedAndTheirWalletsAndPartitionMoveOn() {
        String topic = infra.topic("permanent", 1);
        var wifi = sim();
        var billers = billers(Map.of("wifi", wifi));
        // One wallet per class, each followed by a good payment of the same wallet; other wallets in between.
        UUID badJson = UUID.randomUUID();
        infra.send(
                topic,
                "w-json",
                "BillPaymentRequested",
                badJson.toString(),
                "{not json".getBytes(StandardCharsets.UTF_8));
        UUID teleported = UUID.randomUUID();
        infra.send(
                topic, "w-type", "BillPaymentTeleported", teleported.toString(), "{}".getBytes(StandardCharsets.UTF_8));
        var foreign = Payment.of("w-foreign", "ACC-F", 100);
        outcomes.unknown.add(foreign.paymentId());
        infra.send(topic, foreign);
        var gas = Payment.of("w-gas", "ACC-G", 200).to("gas");
        infra.send(topic, gas);
        var refused = Payment.of("w-refused", "ACC-R", 300);
        outcomes.refused.add(refused.paymentId());
        infra.send(topic, refused);
        var violating = Payment.of("w-violating", "ACC-V", 400);
        outcomes.violating.add(violating.paymentId());
        infra.send(topic, violating);
        List<Payment> good = new ArrayList<>();
        for (String wallet : List.of("w-json", "w-type", "w-foreign", "w-gas", "w-refused", "w-violating", "w-other")) {
            var p = Payment.of(wallet, "ACC-OK-" + wallet, 50);
            good.add(p);
            infra.send(topic, p);
        }
        var config = infra.consumerConfig(topic);
        consumer(config, billers);
        good.forEach(this::awaitRecorded);
        for (Payment p : good) {
            assertEquals(
                    "paid", outcomes.rowsOf(p.paymentId()).getFirst().outcome(), "later payment of " + p.walletId());
        }

        var dead = infra.read(topic + ".dlq", 6, WAIT);
        assertEquals(6, dead.size(), "one dead letter per poison record");
        Map<String, String> reasonByCeId = new HashMap<>();
        for (var r : dead) {
            assertNotNull(header(r, "dlq_error"), "error header");
            assertTrue(header(r, "dlq_error").length() <= 1000);
            assertTrue(header(r, "dlq_origin").startsWith(topic + "-0@"));
            reasonByCeId.put(header(r, "ce_id"), header(r, "dlq_reason"));
        }
        assertEquals("unparseable", reasonByCeId.get(badJson.toString()));
        assertEquals("unknown-event-type", reasonByCeId.get(teleported.toString()));
        assertEquals("unknown-payment", reasonByCeId.get(foreign.eventId().toString()));
        assertEquals("unknown-biller", reasonByCeId.get(gas.eventId().toString()));
        assertEquals("ledger-refused", reasonByCeId.get(refused.eventId().toString()));
        assertEquals("ledger-refused", reasonByCeId.get(violating.eventId().toString()));
        assertEquals(1, deadLettered("unparseable"));
        assertEquals(1, deadLettered("unknown-event-type"));
        assertEquals(1, deadLettered("unknown-payment"));
        assertEquals(1, deadLettered("unknown-biller"));
        assertEquals(2, deadLettered("ledger-refused"));

        for (UUID eventId : List.of(
                badJson, teleported, foreign.eventId(), gas.eventId(), refused.eventId(), violating.eventId())) {
            assertTrue(outcomes.inboxHas(eventId), "inbox marks " + eventId);
        }
        assertEquals(0, charges(wifi, foreign.paymentId()), "a foreign payment is never charged");
        assertEquals(0, charges(wifi, gas.paymentId()), "an unknown biller's payment is sent nowhere");
        assertTrue(outcomes.rowsOf(refused.paymentId()).isEmpty());
        assertTrue(outcomes.rowsOf(violating.paymentId()).isEmpty());

        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        assertEquals(
                "unknown-biller",
                reconciliation.find(gas.paymentId()).orElseThrow().reason());
        assertTrue(reconciliation.find(gas.paymentId()).orElseThrow().action().contains("configure biller 'gas'"));
        assertEquals(
                "ledger-refused",
                reconciliation.find(refused.paymentId()).orElseThrow().reason());
        assertEquals(
                "ledger-refused",
                reconciliation.find(violating.paymentId()).orElseThrow().reason());
        assertTrue(reconciliation.find(foreign.paymentId()).isEmpty(), "a foreign payment is not ours to list");

        long end = infra.endOffset(topic);
        Conditions.await(
                WAIT,
                "the partition's offset committed to its end",
                () -> infra.committed(config.groupId(), topic) == end);

        // A redelivery (a new group reading the topic again) skips every dead-lettered record through the inbox.
        consumer(
                config.toBuilder()
                        .topic(topic)
                        .groupId(config.groupId() + "-again")
                        .build(),
                billers);
        Conditions.await(
                WAIT, "the second group at the end", () -> infra.committed(config.groupId() + "-again", topic) == end);
        assertEquals(6, infra.read(topic + ".dlq", 7, Duration.ofSeconds(3)).size(), "nothing dead-lettered twice");
        assertEquals(
                6,
                registry.find("bill.payments.dead.lettered").functionCounters().stream()
                        .mapToDouble(c -> c.count())
                        .sum());
        assertEquals(1, outcomes.rowsOf(good.getFirst().paymentId()).size(), "nothing recorded twice");
    }

    @Test
    void aDeclineReasonWithControlCharactersAndTooLongIsStoredCleanedAndBounded() {
        String topic = infra.topic("dirty-reason", 1);
        var wifi = sim();
        wifi.declineReason(Optional.of("no\u0000such\u001b[31m customer\r\n\u202e" + "x".repeat(800)));
        var p = Payment.of("w-dirty", "DECLINE-1", 100);
        infra.send(topic, p);
        consumer(infra.consumerConfig(topic), billers(Map.of("wifi", wifi)));
        awaitRecorded(p);
        var row = outcomes.rowsOf(p.paymentId()).getFirst();
        assertEquals("declined", row.outcome());
        assertTrue(
                row.detail().startsWith("nosuch[31m customer x"), row.detail().substring(0, 40));
        assertTrue(row.detail().codePointCount(0, row.detail().length()) <= 500, "at most 500 characters");
        assertTrue(row.detail().chars().noneMatch(c -> Character.isISOControl(c) || c == 0x202e));
        assertEquals(0, deadLettered("ledger-refused"), "the ledger accepted it");
    }

    @Test
    void aTransientFailurePastItsBoundIsEscalatedAndTheWalletsLaterPaymentCompletes() {
        String topic = infra.topic("escalate", 1);
        var wifi = sim();
        var billers = billers(Map.of("wifi", wifi));
        var stuck = Payment.of("w-stuck", "ACC-S1", 700);
        var later = Payment.of("w-stuck", "ACC-S2", 800);
        outcomes.failing.add(stuck.paymentId());
        infra.send(topic, stuck);
        infra.send(topic, later);
        Instant start = Instant.now();
        consumer(
                infra.consumerConfig(topic).toBuilder()
                        .maxRecordRetry(Duration.ofSeconds(1))
                        .build(),
                billers);
        awaitRecorded(later);
        assertTrue(Duration.between(start, Instant.now()).compareTo(Duration.ofSeconds(1)) > 0);
        assertEquals("paid", outcomes.rowsOf(later.paymentId()).getFirst().outcome(), "the later payment completes");
        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        var entry = reconciliation.find(stuck.paymentId()).orElseThrow();
        assertEquals("transient-failure", entry.reason());
        assertTrue(entry.lastCause().contains("the ledger is unavailable"), entry.lastCause());
        assertTrue(outcomes.inboxHas(stuck.eventId()), "the escalated record is completed");
        assertTrue(outcomes.rowsOf(stuck.paymentId()).isEmpty(), "neither paid nor refunded yet");
        assertEquals(1, charges(wifi, stuck.paymentId()), "the biller charged it once");
        assertEquals(
                1,
                registry.find("bill.payments.reconciliation.escalated")
                        .tag("reason", "transient-failure")
                        .functionCounter()
                        .count());

        // The job settles it once the ledger accepts again: paid, with the one charge.
        var job = closing(ReconciliationJob.create(
                ReconciliationConfig.builder()
                        .recheckInterval(Duration.ofMillis(100))
                        .recheckMax(Duration.ofMillis(300))
                        .build(),
                infra.jdbi,
                billers,
                outcomes,
                metrics));
        job.start();
        Conditions.await(
                WAIT,
                "the job tried and the ledger still failed",
                () -> reconciliation.find(stuck.paymentId()).orElseThrow().checks() >= 2);
        assertTrue(outcomes.rowsOf(stuck.paymentId()).isEmpty());
        assertTrue(
                reconciliation.find(stuck.paymentId()).orElseThrow().lastCause().contains("recording failed"));
        outcomes.failing.remove(stuck.paymentId());
        awaitRecorded(stuck);
        assertEquals(1, outcomes.rowsOf(stuck.paymentId()).size());
        assertEquals("paid", outcomes.rowsOf(stuck.paymentId()).getFirst().outcome());
        assertEquals(1, charges(wifi, stuck.paymentId()), "charged once");
        assertTrue(job.isRunning());
    }

    @Test
    void oneBillerDownDoesNotHoldUpAnotherBillersPayments() {
        String topic = infra.topic("two-billers", 1);
        var wifi = sim();
        var power = sim();
        wifi.faults(new SimulatorFaults(0, 1.0, 0, 0)); // every payment 503
        var billers = billers(Map.of("wifi", wifi, "power", power));
        // The down biller's payments come first in the partition, more of them than the in-flight bound.
        List<Payment> down = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            var p = Payment.of("w-wifi-" + i, "ACC-W" + i, 100);
            down.add(p);
            infra.send(topic, p);
        }
        List<Payment> up = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            var p = Payment.of("w-power-" + i, "ACC-P" + i, 100).to("power");
            up.add(p);
            infra.send(topic, p);
        }
        // Fetched a few at a time, so that the down biller's records alone would reach the in-flight bound.
        var config = infra.consumerConfig(topic).toBuilder()
                .kafkaProperties(Map.of("max.poll.records", "5"))
                .maxInFlight(8)
                .poisonAttempts(2)
                .shutdownGrace(Duration.ofSeconds(5))
                .unknownRetryInitial(Duration.ofMillis(100))
                .unknownRetryMax(Duration.ofMillis(400))
                .reconciliationHorizon(Duration.ofMinutes(5))
                .build();
        long start = System.nanoTime();
        consumer(config, billers);
        up.forEach(this::awaitRecorded);
        System.out.printf(
                "TWO BILLERS: 20 payments of the healthy biller recorded %.2f s after start, behind 30 of a biller"
                        + " answering 503%n",
                (System.nanoTime() - start) / 1e9);
        for (Payment p : up) {
            assertEquals(1, charges(power, p.paymentId()));
        }
        assertTrue(down.stream().allMatch(p -> outcomes.rowsOf(p.paymentId()).isEmpty()), "the down biller's wait");
        assertEquals(0, wifi.charges().size());
        assertTrue(
                registry.find("biller.circuit.state")
                                .tag("biller", "wifi")
                                .gauge()
                                .value()
                        != ProviderMetrics.CIRCUIT_CLOSED,
                "the down biller's circuit is open (or probing)");
        assertEquals(
                ProviderMetrics.CIRCUIT_CLOSED,
                registry.find("biller.circuit.state")
                        .tag("biller", "power")
                        .gauge()
                        .value());
        assertTrue(registry.find("bill.payments.held").gauge().value() >= 1, "the down biller's records are held");

        wifi.faults(SimulatorFaults.NONE);
        down.forEach(this::awaitRecorded);
        for (Payment p : down) {
            assertEquals(1, charges(wifi, p.paymentId()));
        }
    }
}
