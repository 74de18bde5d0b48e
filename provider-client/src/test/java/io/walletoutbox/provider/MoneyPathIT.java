package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.embedded.Conditions;
import io.walletoutbox.provider.Infra.Payment;
import io.walletoutbox.provider.Reconciliation.Resolution;
import io.walletoutbox.provider.ResolveResult.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The money path against forgers and races (invariant I9, issue 20), with real PostgreSQL, Kafka and the simulator
 * over HTTP: a record is charged with the ledger's values or not at all; no refund while a charge may still land;
 * no PENDING payment without a way out; contradictions move no money.
 */
class MoneyPathIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    private final Infra infra = new Infra("money_path");
    private final TestOutcomes outcomes = new TestOutcomes(infra.jdbi);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProviderMetrics metrics = new ProviderMetrics();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final BillerSimulator wifi =
            closing(BillerSimulator.start(SimulatorConfig.builder().build()));

    MoneyPathIT() {
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

    private Billers billers(Map<String, BillerClientConfig> configs) {
        return closing(Billers.create(configs, metrics));
    }

    private void consumer(String topic, Billers billers, Duration horizon) {
        var config = infra.consumerConfig(topic).toBuilder()
                .unknownRetryInitial(Duration.ofMillis(100))
                .unknownRetryMax(Duration.ofMillis(300))
                .reconciliationHorizon(horizon)
                .build();
        closing(BillPaymentConsumer.create(config, infra.jdbi, billers, outcomes, metrics))
                .start();
    }

    private void job(Billers billers, ReconciliationConfig config) {
        closing(ReconciliationJob.create(config, infra.jdbi, billers, outcomes, metrics))
                .start();
    }

    private static ReconciliationConfig quickJob() {
        return ReconciliationConfig.builder()
                .recheckInterval(Duration.ofMillis(100))
                .recheckMax(Duration.ofMillis(500))
                .build();
    }

    private void awaitRecorded(UUID paymentId) {
        Conditions.await(
                WAIT,
                "an outcome for " + paymentId,
                () -> !outcomes.rowsOf(paymentId).isEmpty());
    }

    private static List<BillerCharge> chargesOf(BillerSimulator sim, UUID paymentId) {
        return sim.charges().stream()
                .filter(c -> c.idempotencyKey().equals(paymentId.toString()))
                .toList();
    }

    private String reason(UUID paymentId) {
        return infra.jdbi.withHandle(
                h -> h.createQuery("SELECT reason FROM provider_reconciliation WHERE payment_id = :p")
                        .bind("p", paymentId)
                        .mapTo(String.class)
                        .findOne()
                        .orElse(null));
    }

    private double counter(String name, String tag, String value) {
        var search = registry.find(name);
        if (tag != null) {
            search = search.tag(tag, value);
        }
        return search.functionCounter().count();
    }

    private ResolveResult resolve(Reconciliation reconciliation, UUID paymentId, Resolution outcome) {
        return infra.jdbi.inTransaction(
                h -> reconciliation.resolve(h, paymentId, outcome, Optional.empty(), "checked", "op-1"));
    }

    @Test
    void forgedRecordsForARealPendingPaymentNeverReachABillerAndTheGenuineEventSettlesWithTheLedgersValues() {
        String topic = infra.topic("forged", 1);
        var power = closing(BillerSimulator.start(SimulatorConfig.builder().build()));
        var billers = billers(Map.of("wifi", Infra.clientConfig(wifi), "power", Infra.clientConfig(power)));
        var genuine = Payment.of("w-forged", "ACC-F1", 100);
        infra.register(genuine);
        // With the genuine event's own id: another biller, account and amount.
        var sameId = new Payment(
                genuine.eventId(), genuine.paymentId(), genuine.walletId(), "ACC-EVIL", 99_999_999, "power");
        infra.send(
                topic,
                sameId.walletId(),
                "BillPaymentRequested",
                sameId.eventId().toString(),
                bytes(sameId.json()));
        // A fresh id, the right biller and account, another amount.
        var fresh = new Payment(UUID.randomUUID(), genuine.paymentId(), genuine.walletId(), "ACC-F1", 1_000, "wifi");
        infra.send(
                topic, fresh.walletId(), "BillPaymentRequested", fresh.eventId().toString(), bytes(fresh.json()));
        // Another currency.
        String otherCurrency = genuine.json().replace("\"USD\"", "\"EUR\"");
        infra.send(
                topic,
                genuine.walletId(),
                "BillPaymentRequested",
                UUID.randomUUID().toString(),
                bytes(otherCurrency));
        infra.send(topic, genuine);
        consumer(topic, billers, Duration.ofMinutes(5));

        awaitRecorded(genuine.paymentId());
        List<ConsumerRecord<String, byte[]>> dead = infra.read(topic + ".dlq", 3, WAIT);
        assertEquals(3, dead.size(), "every forged record is dead-lettered");
        for (var r : dead) {
            assertEquals("record-mismatch", header(r, "dlq_reason"));
        }
        assertTrue(
                header(dead.getFirst(), "dlq_error").contains("customerRef ACC-EVIL≠ACC-F1"),
                header(dead.getFirst(), "dlq_error"));
        assertEquals(List.of(), power.charges(), "no forged value reached another biller");
        var charges = chargesOf(wifi, genuine.paymentId());
        assertEquals(1, charges.size(), "charged once");
        assertEquals("ACC-F1", charges.getFirst().customerRef());
        assertEquals(100, charges.getFirst().amount());
        assertEquals("USD", charges.getFirst().currency());
        assertEquals("paid", outcomes.rowsOf(genuine.paymentId()).getFirst().outcome());
        assertEquals(1, outcomes.rowsOf(genuine.paymentId()).size());
        assertTrue(outcomes.inboxHas(genuine.eventId()), "the genuine event was processed");
        assertEquals(3, counter("bill.payments.dead.lettered", "reason", "record-mismatch"));
    }

    @Test
    void aLateLandingChargeIsSettledPaidAndAnOperatorsDeclineMeanwhileIsRefused() {
        String topic = infra.topic("late", 1);
        // The client gives up after 300 ms; the biller applies the charge 3 s after it arrived; 20 s bound.
        var config = Infra.clientConfig(wifi).toBuilder()
                .requestTimeout(Duration.ofMillis(300))
                .maxAttempts(1)
                .initialBackoff(Duration.ofMillis(20))
                .maxBackoff(Duration.ofMillis(20))
                .inFlightBound(Duration.ofSeconds(20))
                .build();
        var billers = billers(Map.of("wifi", config));
        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        wifi.faults(SimulatorFaults.NONE.withLateLanding(1.0, 3_000));
        var p = Payment.of("w-late", "ACC-L1", 300);
        infra.send(topic, p);
        consumer(topic, billers, Duration.ofMillis(200));
        Conditions.await(
                WAIT,
                "in reconciliation",
                () -> reconciliation.find(p.paymentId()).isPresent());
        job(billers, quickJob());

        // Not landed yet: the biller answers 404; a decline now would refund a charge that is about to land. Refused
        // either because the attempt is within the in-flight bound or, when the job happens to be asking the biller
        // at this moment, because its attempt is under way: both say when to ask again.
        var refused = resolve(reconciliation, p.paymentId(), Resolution.DECLINED);
        assertEquals(Status.ATTEMPT_IN_FLIGHT, refused.status(), refused.detail());
        assertTrue(refused.decidableAt().isPresent());
        assertTrue(
                refused.detail().contains("can be decided after")
                        || refused.detail().contains("right now; ask again after"),
                refused.detail());

        awaitRecorded(p.paymentId());
        assertEquals(1, outcomes.rowsOf(p.paymentId()).size());
        assertEquals("paid", outcomes.rowsOf(p.paymentId()).getFirst().outcome(), "settled as charged");
        assertEquals(1, chargesOf(wifi, p.paymentId()).size(), "charged once");
        assertEquals(0, counter("bill.payments.contradictions", null, null));
    }

    @Test
    void aDeclineIsDecidableOnceTheInFlightBoundHasPassedSinceTheLastAttempt() {
        String topic = infra.topic("bound", 1);
        var billers = billers(Map.of(
                "wifi",
                Infra.clientConfig(wifi).toBuilder()
                        .inFlightBound(Duration.ofHours(1))
                        .build()));
        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        wifi.faults(new SimulatorFaults(0, 1.0, 0, 0)); // 503 to every payment: the outcome stays unknown
        wifi.failStatus(true);
        var p = Payment.of("w-bound", "ACC-B1", 400);
        infra.send(topic, p);
        consumer(topic, billers, Duration.ofMillis(200));
        Conditions.await(
                WAIT,
                "in reconciliation",
                () -> reconciliation.find(p.paymentId()).isPresent());

        var entry = reconciliation.find(p.paymentId()).orElseThrow();
        assertTrue(entry.lastAttemptAt().isPresent(), "the consumer's last attempt is on record");
        var refused = resolve(reconciliation, p.paymentId(), Resolution.DECLINED);
        assertEquals(Status.ATTEMPT_IN_FLIGHT, refused.status());
        assertEquals(
                entry.lastAttemptAt().get().plus(Duration.ofHours(1)),
                refused.decidableAt().orElseThrow());
        assertTrue(outcomes.rowsOf(p.paymentId()).isEmpty(), "nothing changed");

        // An hour later (the clock of the entry moved back instead of waiting): the operator's word stands.
        infra.jdbi.useHandle(h -> h.execute(
                "UPDATE provider_reconciliation SET last_attempt_at = now() - interval '2 hours' WHERE payment_id = ?",
                p.paymentId()));
        assertEquals(
                Status.RESOLVED,
                resolve(reconciliation, p.paymentId(), Resolution.DECLINED).status());
        assertEquals("declined", outcomes.rowsOf(p.paymentId()).getFirst().outcome());
    }

    @Test
    void aPaymentThatMadeNoProgressIsSweptIntoReconciliationAndChargedWithTheLedgersValues() {
        var billers = billers(Map.of("wifi", Infra.clientConfig(wifi)));
        var p = Payment.of("w-stalled", "ACC-S1", 500);
        infra.register(p); // its event never reaches the consumer (lost to a CDC slot, say)
        job(
                billers,
                quickJob().toBuilder().noProgressAfter(Duration.ofSeconds(1)).build());

        Conditions.await(WAIT, "the sweep's entry", () -> "no-progress".equals(reason(p.paymentId())));
        awaitRecorded(p.paymentId());
        assertEquals("paid", outcomes.rowsOf(p.paymentId()).getFirst().outcome());
        var charges = chargesOf(wifi, p.paymentId());
        assertEquals(1, charges.size());
        assertEquals("ACC-S1", charges.getFirst().customerRef());
        assertEquals(500, charges.getFirst().amount());
        Conditions.await(
                WAIT,
                "the sweep counted",
                () -> counter("bill.payments.reconciliation.escalated", "reason", "no-progress") == 1);
    }

    @Test
    void aDiscardedPaymentIsRefundedByTheJobAndNeverCharged() {
        var billers = billers(Map.of("wifi", Infra.clientConfig(wifi)));
        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        var p = Payment.of("w-discarded", "ACC-D1", 600);
        infra.register(p);
        boolean opened = infra.jdbi.inTransaction(h -> reconciliation.openDiscarded(h, p.paymentId(), "by op-1"));
        assertTrue(opened);
        assertEquals("discarded", reason(p.paymentId()));
        assertTrue(
                reconciliation.find(p.paymentId()).orElseThrow().lastAttemptAt().isEmpty(),
                "a discarded event never reached a biller: no attempt can land");
        job(billers, quickJob());

        awaitRecorded(p.paymentId());
        var row = outcomes.rowsOf(p.paymentId()).getFirst();
        assertEquals("declined", row.outcome(), "FAILED and refunded");
        assertTrue(row.detail().contains("discarded"), row.detail());
        assertEquals(List.of(), chargesOf(wifi, p.paymentId()), "never charged");
        Conditions.await(
                WAIT,
                "the job's not-charged resolution counted",
                () -> registry.find("bill.payments.reconciliation.resolved")
                                .tag("how", "job")
                                .tag("outcome", "not-charged")
                                .functionCounter()
                                .count()
                        == 1);
    }

    @Test
    void aBillerAnswerThatContradictsTheLedgerMovesNoMoneyAndIsCounted() throws Exception {
        var billers = billers(Map.of("wifi", Infra.clientConfig(wifi)));
        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        var p = Payment.of("w-contra", "ACC-C1", 700);
        infra.register(p);
        // The ledger refunded it, yet the biller holds a charge under its key.
        infra.jdbi.useTransaction(h -> outcomes.declined(h, p.paymentId(), "refunded"));
        charge(wifi, p);
        infra.jdbi.useHandle(h -> h.execute("""
                INSERT INTO provider_reconciliation (payment_id, wallet_id, biller, customer_ref, amount, currency,
                                                     last_cause, attempts, first_attempt_at, reason)
                VALUES (?, 'w-contra', 'wifi', 'ACC-C1', 700, 'USD', 'test', 1, now(), 'unknown-outcome')""", p.paymentId()));
        job(billers, quickJob());

        Conditions.await(WAIT, "the contradiction", () -> "contradiction".equals(reason(p.paymentId())));
        Conditions.await(
                WAIT, "the contradiction counted", () -> counter("bill.payments.contradictions", null, null) == 1);
        var entry = reconciliation.find(p.paymentId()).orElseThrow();
        assertTrue(entry.lastCause().contains("PAID"), entry.lastCause());
        assertEquals(1, outcomes.rowsOf(p.paymentId()).size(), "no money moved");
        assertEquals(1, reconciliation.countPending(), "left for an operator");

        // Settled with the biller by hand; the operator confirms what the ledger records.
        assertEquals(
                Status.RESOLVED_OTHERWISE,
                resolve(reconciliation, p.paymentId(), Resolution.PAID).status());
        assertEquals(
                Status.RESOLVED,
                resolve(reconciliation, p.paymentId(), Resolution.DECLINED).status());
        assertEquals(1, outcomes.rowsOf(p.paymentId()).size(), "still no money moved");
        assertEquals(0, reconciliation.countPending());
    }

    @Test
    void aPaymentWhoseBillerIsGoneRecordsThatAnAttemptMayHaveBeenMade() {
        String topic = infra.topic("gone", 1);
        var billers = billers(Map.of("wifi", Infra.clientConfig(wifi)));
        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        var p = Payment.of("w-gone", "ACC-G1", 800).to("gone");
        infra.send(topic, p);
        consumer(topic, billers, Duration.ofMinutes(5));
        Conditions.await(
                WAIT,
                "in reconciliation",
                () -> reconciliation.find(p.paymentId()).isPresent());
        assertEquals("unknown-biller", reason(p.paymentId()));
        Instant since = infra.jdbi.withHandle(
                h -> h.createQuery("SELECT unproven_since FROM provider_reconciliation WHERE payment_id = :p")
                        .bind("p", p.paymentId())
                        .mapTo(java.time.OffsetDateTime.class)
                        .one()
                        .toInstant());
        assertNotNull(since, "a charge made before the biller was removed is not ruled out");
        assertTrue(
                reconciliation.find(p.paymentId()).orElseThrow().lastAttemptAt().isPresent());
    }

    @Test
    void aStatus404WhileTheBillersRouteAnswersAConfigurationFaultProvesNothing() {
        var wrong = BillerClientConfig.builder(URI.create(wifi.baseUrl() + "/no-such-route"))
                .requestTimeout(Duration.ofSeconds(2))
                .build();
        var billers = billers(Map.of("wifi", wrong));
        var client = billers.client("wifi").orElseThrow();
        var paymentId = UUID.randomUUID();
        assertInstanceOf(
                BillerOutcome.ConfigurationFault.class,
                client.pay(new BillPaymentCall(paymentId, "ACC-1", 100, "USD", null)));
        var answer = client.status(paymentId);
        assertInstanceOf(BillerOutcome.Unknown.class, answer, "a 404 of a wrong route is no proof: " + answer);
    }

    private static void charge(BillerSimulator sim, Payment p) throws Exception {
        var response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/payments"))
                                .header("Idempotency-Key", p.paymentId().toString())
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"customerRef\":\"%s\",\"amount\":%d,\"currency\":\"USD\"}"
                                                .formatted(p.customerRef(), p.amount())))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(201, response.statusCode(), response.body());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
