package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walletoutbox.embedded.Conditions;
import io.walletoutbox.provider.Infra.Payment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many payments at once: per-key order with concurrency across keys, throughput with a slow biller, and
 * exactly-once through consumer-group rebalances.
 */
class BillPaymentFlowIT {
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static Infra infra;
    private static TestOutcomes outcomes;

    @BeforeAll
    static void setUp() {
        infra = new Infra("flow");
        outcomes = new TestOutcomes(infra.jdbi);
    }

    @AfterAll
    static void tearDown() {
        infra.close();
    }

    /** Payments per wallet, in the order they were published. */
    private static Map<String, List<UUID>> publish(String topic, int wallets, int perWallet, List<Payment> all) {
        Map<String, List<UUID>> order = new LinkedHashMap<>();
        for (int i = 0; i < perWallet; i++) {
            for (int w = 0; w < wallets; w++) {
                String wallet = topic + "-wallet-" + w;
                var p = Payment.of(wallet, "ACC-" + w + "-" + i, 100 + i);
                all.add(p);
                order.computeIfAbsent(wallet, k -> new ArrayList<>()).add(p.paymentId());
            }
        }
        // Sent asynchronously (one flush at the end) so publishing is not what the test measures.
        all.forEach(infra::register);
        for (Payment p : all) {
            infra.producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                    topic,
                    null,
                    p.walletId(),
                    p.json().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    new org.apache.kafka.common.header.internals.RecordHeaders()
                            .add("ce_id", p.eventId().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                            .add("ce_type", "BillPaymentRequested".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        }
        infra.producer.flush();
        return order;
    }

    private static long recordedOf(List<Payment> payments) {
        var ids = payments.stream().map(Payment::paymentId).collect(Collectors.toSet());
        return outcomes.rows().stream().filter(r -> ids.contains(r.paymentId())).count();
    }

    /** Every payment recorded exactly once, charged exactly once, each wallet's outcomes in publishing order. */
    private static void assertExactlyOnceInOrder(
            List<Payment> all, Map<String, List<UUID>> order, BillerSimulator sim) {
        var ids = all.stream().map(Payment::paymentId).collect(Collectors.toSet());
        var rows = outcomes.rows().stream()
                .filter(r -> ids.contains(r.paymentId()))
                .toList();
        assertEquals(all.size(), rows.size(), "one outcome per payment");
        assertEquals(
                all.size(),
                rows.stream().map(TestOutcomes.Row::paymentId).distinct().count());
        var charges = sim.charges().stream()
                .filter(c -> ids.contains(UUID.fromString(c.idempotencyKey())))
                .collect(Collectors.groupingBy(BillerCharge::idempotencyKey, Collectors.counting()));
        assertEquals(all.size(), charges.size(), "every payment charged");
        charges.forEach((key, n) -> assertEquals(1L, n, "charges of " + key));
        Map<UUID, String> walletOf = new HashMap<>();
        all.forEach(p -> walletOf.put(p.paymentId(), p.walletId()));
        Map<String, List<UUID>> recorded = new LinkedHashMap<>();
        for (var r : rows) { // rows come in seq order
            recorded.computeIfAbsent(walletOf.get(r.paymentId()), k -> new ArrayList<>())
                    .add(r.paymentId());
        }
        order.forEach((wallet, expected) -> assertEquals(expected, recorded.get(wallet), "order of " + wallet));
    }

    @Test
    void threeHundredPaymentsOverThirtyWalletsWithA100msBillerKeepEachWalletsOrder() {
        String topic = infra.topic("load", 3);
        try (var sim = BillerSimulator.start(SimulatorConfig.builder()
                .faults(new SimulatorFaults(100, 0, 0, 0))
                .build())) {
            var metrics = new ProviderMetrics();
            List<Payment> all = new ArrayList<>();
            var order = publish(topic, 30, 10, all);
            try (var billers = Billers.create(Map.of("wifi", Infra.clientConfig(sim)), metrics);
                    var consumer = BillPaymentConsumer.create(
                            infra.consumerConfig(topic), infra.jdbi, billers, outcomes, metrics)) {
                long start = System.nanoTime();
                consumer.start();
                Conditions.await(WAIT, "the first outcome", () -> recordedOf(all) > 0);
                long first = System.nanoTime();
                Conditions.await(WAIT, "all 300 outcomes", () -> recordedOf(all) == all.size());
                long end = System.nanoTime();
                double seconds = (end - first) / 1e9;
                System.out.printf(
                        "LOAD: %d payments over 30 wallets, 100 ms biller: %.1f payments/s after the first outcome"
                                + " (%.2f s), %.1f payments/s including the group join (%.2f s)%n",
                        all.size(),
                        (all.size() - 1) / seconds,
                        seconds,
                        all.size() / ((end - start) / 1e9),
                        (end - start) / 1e9);
            }
            assertExactlyOnceInOrder(all, order, sim);
        }
    }

    @Test
    void rebalancesBetweenTwoConsumersNeitherLoseNorDoubleAnyPayment() {
        String topic = infra.topic("rebalance", 4);
        try (var sim = BillerSimulator.start(SimulatorConfig.builder()
                .faults(new SimulatorFaults(100, 0, 0, 0))
                .build())) {
            var metrics = new ProviderMetrics();
            var config = infra.consumerConfig(topic);
            List<Payment> all = new ArrayList<>();
            var order = publish(topic, 40, 10, all);
            var billersA = Billers.create(Map.of("wifi", Infra.clientConfig(sim)), metrics);
            var billersB = Billers.create(Map.of("wifi", Infra.clientConfig(sim)), metrics);
            var a = BillPaymentConsumer.create(config, infra.jdbi, billersA, outcomes, metrics);
            var b = BillPaymentConsumer.create(config, infra.jdbi, billersB, outcomes, metrics);
            try (billersA;
                    billersB;
                    a;
                    b) {
                a.start();
                Conditions.await(WAIT, "some outcomes by the first consumer", () -> recordedOf(all) >= 40);
                b.start(); // joins the group: partitions move while payments are in flight
                Conditions.await(WAIT, "more outcomes with two consumers", () -> recordedOf(all) >= 200);
                a.close(); // leaves the group: its partitions move to b
                Conditions.await(WAIT, "all outcomes", () -> recordedOf(all) == all.size());
            }
            assertExactlyOnceInOrder(all, order, sim);
        }
    }
}
