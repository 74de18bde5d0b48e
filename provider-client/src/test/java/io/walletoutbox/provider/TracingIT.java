package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.walletoutbox.embedded.Conditions;
import io.walletoutbox.provider.Infra.Payment;
import io.walletoutbox.provider.Reconciliation.Resolution;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The consumer side of issue 23's traces, with the real PostgreSQL, Kafka and the simulator, and an SDK that keeps
 * finished spans in memory: a record's {@code process} span continues the record's trace and is current while the
 * outcome is recorded, the biller request is its CLIENT child and carries that child's context to the biller, an
 * inbox duplicate and a dead letter are marked, and each reconciliation attempt (the job's, an operator's) is a
 * trace of its own linked to the payment's. Without an SDK the biller receives the record's traceparent unchanged.
 */
class TracingIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final AttributeKey<String> PAYMENT_ID = AttributeKey.stringKey("walletoutbox.payment.id");
    private static final AttributeKey<String> DECISION = AttributeKey.stringKey("walletoutbox.reconciliation.decision");
    private static final AttributeKey<String> HOW = AttributeKey.stringKey("walletoutbox.reconciliation.how");
    private static final AttributeKey<Boolean> DUPLICATE = AttributeKey.booleanKey("walletoutbox.inbox.duplicate");

    private final Infra infra = new Infra("tracing");
    private final TestOutcomes outcomes = new TestOutcomes(infra.jdbi);
    private final ProviderMetrics metrics = new ProviderMetrics();
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private SdkTracerProvider tracerProvider;
    private BillerSimulator sim;

    @BeforeEach
    void registerSdk() {
        GlobalOpenTelemetry.resetForTest();
        tracerProvider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build();
        OpenTelemetrySdk.builder()
                .setTracerProvider(tracerProvider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .buildAndRegisterGlobal();
        sim = closing(BillerSimulator.start(SimulatorConfig.builder().build()));
    }

    @AfterEach
    void closeAll() throws Exception {
        try {
            for (AutoCloseable c : toClose.reversed()) {
                c.close();
            }
            infra.close();
        } finally {
            tracerProvider.close();
            GlobalOpenTelemetry.resetForTest();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    /** Notes the span current when the outcome is recorded (the wallet stores it with the outcome event). */
    private static final class CurrentSpanRecorder implements OutcomeRecorder {
        final Map<UUID, SpanContext> current = new ConcurrentHashMap<>();
        private final OutcomeRecorder delegate;

        CurrentSpanRecorder(OutcomeRecorder delegate) {
            this.delegate = delegate;
        }

        @Override
        public Optional<LedgerPayment> payment(Handle handle, UUID paymentId) {
            return delegate.payment(handle, paymentId);
        }

        @Override
        public List<LedgerPayment> stalePending(Handle handle, Instant createdBefore, int limit) {
            return delegate.stalePending(handle, createdBefore, limit);
        }

        @Override
        public boolean paid(Handle handle, UUID paymentId, String reference) {
            current.put(paymentId, Span.current().getSpanContext());
            return delegate.paid(handle, paymentId, reference);
        }

        @Override
        public boolean declined(Handle handle, UUID paymentId, String reason) {
            current.put(paymentId, Span.current().getSpanContext());
            return delegate.declined(handle, paymentId, reason);
        }
    }

    private static String hex(int length) {
        return (UUID.randomUUID().toString() + UUID.randomUUID())
                .replace("-", "")
                .substring(0, length);
    }

    private Billers billers() {
        return closing(Billers.create(
                Map.of(
                        "wifi",
                        Infra.clientConfig(sim).toBuilder()
                                .breakerFailureThreshold(20)
                                .breakerOpenFor(Duration.ofMillis(300))
                                .build()),
                metrics));
    }

    private void consumer(String topic, Billers billers, OutcomeRecorder recorder) {
        var config = infra.consumerConfig(topic).toBuilder()
                .unknownRetryInitial(Duration.ofMillis(100))
                .unknownRetryMax(Duration.ofMillis(300))
                .reconciliationHorizon(Duration.ofSeconds(1))
                .build();
        closing(BillPaymentConsumer.create(config, infra.jdbi, billers, recorder, metrics))
                .start();
    }

    private SpanData awaitSpan(String what, Predicate<SpanData> which) {
        Conditions.await(
                WAIT, what, () -> exporter.getFinishedSpanItems().stream().anyMatch(which));
        return exporter.getFinishedSpanItems().stream()
                .filter(which)
                .findFirst()
                .orElseThrow();
    }

    private List<SpanData> spansOf(String traceId) {
        return exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getTraceId().equals(traceId))
                .toList();
    }

    private static Predicate<SpanData> processOf(String topic, String parentSpanId) {
        return s -> s.getName().equals("process " + topic)
                && s.getParentSpanContext().getSpanId().equals(parentSpanId);
    }

    private void awaitRecorded(Payment p) {
        Conditions.await(
                WAIT,
                "an outcome for " + p.paymentId(),
                () -> !outcomes.rowsOf(p.paymentId()).isEmpty());
    }

    /** What the simulator received for key {@code paymentId} with {@code method}. */
    private List<BillerRequest> received(String method, UUID paymentId) {
        return sim.requests().stream()
                .filter(r -> r.method().equals(method) && paymentId.toString().equals(r.idempotencyKey()))
                .toList();
    }

    @Test
    void aRecordsProcessSpanContinuesItsTraceAndItsBillerRequestIsAClientChildWhoseContextTheBillerReceives() {
        String topic = infra.topic("trace", 1);
        var recorder = new CurrentSpanRecorder(outcomes);
        consumer(topic, billers(), recorder);
        String traceId = hex(32);
        String parentId = hex(16);
        var p = Payment.of("w-trace", "ACC-T1", 1500);
        infra.send(topic, p, "00-" + traceId + "-" + parentId + "-01");
        awaitRecorded(p);

        SpanData process = awaitSpan("the record's process span", processOf(topic, parentId));
        assertEquals(SpanKind.CONSUMER, process.getKind());
        assertEquals(traceId, process.getTraceId(), "the record's trace");
        assertTrue(process.getParentSpanContext().isRemote());
        var a = process.getAttributes();
        assertEquals("kafka", a.get(AttributeKey.stringKey("messaging.system")));
        assertEquals("process", a.get(AttributeKey.stringKey("messaging.operation.type")));
        assertEquals("bill-payments-" + topic, a.get(AttributeKey.stringKey("messaging.consumer.group.name")));
        assertEquals(topic, a.get(AttributeKey.stringKey("messaging.destination.name")));
        assertEquals("0", a.get(AttributeKey.stringKey("messaging.destination.partition.id")));
        assertEquals(0L, a.get(AttributeKey.longKey("messaging.kafka.offset")));
        assertEquals(p.eventId().toString(), a.get(AttributeKey.stringKey("messaging.message.id")));
        assertEquals(p.paymentId().toString(), a.get(PAYMENT_ID));
        assertEquals(false, a.get(DUPLICATE));
        assertEquals(StatusCode.UNSET, process.getStatus().getStatusCode());

        List<SpanData> clients = spansOf(traceId).stream()
                .filter(s -> s.getKind() == SpanKind.CLIENT)
                .toList();
        assertEquals(1, clients.size(), "one biller request: " + clients);
        SpanData post = clients.getFirst();
        assertEquals("POST", post.getName());
        assertEquals(process.getSpanId(), post.getParentSpanId(), "a child of the process span");
        var c = post.getAttributes();
        assertEquals("POST", c.get(AttributeKey.stringKey("http.request.method")));
        assertEquals(201L, c.get(AttributeKey.longKey("http.response.status_code")));
        assertEquals(sim.baseUrl() + "/v1/payments", c.get(AttributeKey.stringKey("url.full")));
        assertEquals("localhost", c.get(AttributeKey.stringKey("server.address")));
        assertEquals((long) sim.port(), c.get(AttributeKey.longKey("server.port")));
        assertEquals("wifi", c.get(AttributeKey.stringKey("walletoutbox.biller.id")));

        // The biller got the CLIENT span's context: the record's trace, the request's span as the parent.
        List<BillerRequest> posts = received("POST", p.paymentId());
        assertEquals(1, posts.size());
        assertEquals(
                Optional.of("00-" + traceId + "-" + post.getSpanId() + "-01"),
                posts.getFirst().traceparent());
        // The outcome was recorded with the process span current: its event continues the payment's trace.
        assertEquals(process.getSpanContext(), recorder.current.get(p.paymentId()));
    }

    @Test
    void anInboxDuplicateIsMarkedAndADeadLetteredRecordIsAnErrorNeitherCallingTheBiller() {
        String topic = infra.topic("trace-dup", 1);
        consumer(topic, billers(), outcomes);
        var p = Payment.of("w-dup", "ACC-D1", 700);
        String first = hex(16);
        infra.send(topic, p, "00-" + hex(32) + "-" + first + "-01");
        awaitRecorded(p);
        awaitSpan("the first record's process span", processOf(topic, first));

        String again = hex(16);
        String againTrace = hex(32);
        infra.send(topic, p, "00-" + againTrace + "-" + again + "-01"); // the same event, delivered again
        SpanData duplicate = awaitSpan("the duplicate's process span", processOf(topic, again));
        assertEquals(true, duplicate.getAttributes().get(DUPLICATE));
        assertEquals(StatusCode.UNSET, duplicate.getStatus().getStatusCode());
        assertTrue(
                spansOf(againTrace).stream().noneMatch(s -> s.getKind() == SpanKind.CLIENT),
                "no biller request for a duplicate");

        // A record that differs from its payment's row in the ledger: dead-lettered at once.
        var q = Payment.of("w-mismatch", "ACC-M1", 800);
        infra.register(q);
        String forgedTrace = hex(32);
        String forged = hex(16);
        infra.send(
                topic,
                q.walletId(),
                "BillPaymentRequested",
                q.eventId().toString(),
                new Payment(q.eventId(), q.paymentId(), q.walletId(), q.customerRef(), 999_999, "wifi")
                        .json()
                        .getBytes(StandardCharsets.UTF_8),
                "00-" + forgedTrace + "-" + forged + "-01");
        SpanData mismatch = awaitSpan("the mismatched record's process span", processOf(topic, forged));
        assertEquals(StatusCode.ERROR, mismatch.getStatus().getStatusCode());
        assertTrue(
                mismatch.getStatus().getDescription().contains("record-mismatch"),
                mismatch.getStatus().getDescription());
        assertEquals(false, mismatch.getAttributes().get(DUPLICATE));
        assertTrue(spansOf(forgedTrace).stream().noneMatch(s -> s.getKind() == SpanKind.CLIENT));
    }

    @Test
    void eachReconciliationAttemptIsATraceOfItsOwnLinkedToThePaymentsWithItsBillerRequestsAsChildren() {
        String topic = infra.topic("trace-rec", 1);
        var billers = billers();
        var reconciliation = Reconciliation.create(infra.jdbi, billers, outcomes, metrics);
        consumer(topic, billers, outcomes);
        // The biller charges, loses every answer and cannot be asked: both payments go to reconciliation.
        sim.failStatus(true);
        sim.faults(new SimulatorFaults(0, 0, 0, 1.0));
        String byJobTrace = hex(32);
        String byJobParent = hex(16);
        String byOperatorTrace = hex(32);
        String byOperatorParent = hex(16);
        var byJob = Payment.of("w-rec-job", "ACC-R1", 300);
        var byOperator = Payment.of("w-rec-op", "ACC-R2", 400);
        infra.send(topic, byJob, "00-" + byJobTrace + "-" + byJobParent + "-01");
        infra.send(topic, byOperator, "00-" + byOperatorTrace + "-" + byOperatorParent + "-01");
        for (Payment p : List.of(byJob, byOperator)) {
            Conditions.await(
                    WAIT,
                    p.paymentId() + " in reconciliation",
                    () -> reconciliation.find(p.paymentId()).isPresent());
        }
        assertEquals("00-" + byJobTrace + "-" + byJobParent + "-01", storedTraceparent(byJob.paymentId()));
        sim.faults(SimulatorFaults.NONE);
        sim.failStatus(false);

        // An operator's resolve.
        var result = infra.jdbi.inTransaction(h -> reconciliation.resolve(
                h, byOperator.paymentId(), Resolution.PAID, Optional.empty(), "checked with the biller", "op-1"));
        assertEquals(ResolveResult.Status.RESOLVED, result.status());
        SpanData resolve = awaitSpan(
                "the operator's reconcile span",
                s -> s.getName().equals("reconcile payment")
                        && byOperator
                                .paymentId()
                                .toString()
                                .equals(s.getAttributes().get(PAYMENT_ID)));
        assertEquals("operator", resolve.getAttributes().get(HOW));
        assertEquals("paid", resolve.getAttributes().get(DECISION));
        assertLinkedRoot(resolve, byOperatorTrace, byOperatorParent);
        assertStatusQueryIsAChildOf(resolve, byOperator.paymentId());

        // The job's attempt.
        closing(ReconciliationJob.create(
                        ReconciliationConfig.builder()
                                .recheckInterval(Duration.ofMillis(200))
                                .recheckMax(Duration.ofSeconds(1))
                                .build(),
                        infra.jdbi,
                        billers,
                        outcomes,
                        metrics))
                .start();
        awaitRecorded(byJob);
        SpanData attempt = awaitSpan(
                "the job's reconcile span that settled it",
                s -> s.getName().equals("reconcile payment")
                        && byJob.paymentId().toString().equals(s.getAttributes().get(PAYMENT_ID))
                        && "paid".equals(s.getAttributes().get(DECISION)));
        assertEquals(SpanKind.INTERNAL, attempt.getKind());
        assertEquals("job", attempt.getAttributes().get(HOW));
        assertEquals(
                "unknown-outcome",
                attempt.getAttributes().get(AttributeKey.stringKey("walletoutbox.reconciliation.reason")));
        assertLinkedRoot(attempt, byJobTrace, byJobParent);
        assertStatusQueryIsAChildOf(attempt, byJob.paymentId());
    }

    private String storedTraceparent(UUID paymentId) {
        return infra.jdbi.withHandle(
                h -> h.createQuery("SELECT traceparent FROM provider_reconciliation WHERE payment_id = :id")
                        .bind("id", paymentId)
                        .mapTo(String.class)
                        .one());
    }

    /** A root span (a trace of its own) with one link: to the payment's record context. */
    private static void assertLinkedRoot(SpanData span, String traceId, String spanId) {
        assertFalse(span.getParentSpanContext().isValid(), "a trace of its own");
        assertFalse(span.getTraceId().equals(traceId));
        List<LinkData> links = span.getLinks();
        assertEquals(1, links.size(), "linked to the payment's trace: " + links);
        assertEquals(traceId, links.getFirst().getSpanContext().getTraceId());
        assertEquals(spanId, links.getFirst().getSpanContext().getSpanId());
    }

    /** The attempt's status query is its CLIENT child, and the biller received that child's context. */
    private void assertStatusQueryIsAChildOf(SpanData attempt, UUID paymentId) {
        List<SpanData> gets = spansOf(attempt.getTraceId()).stream()
                .filter(s -> s.getKind() == SpanKind.CLIENT)
                .toList();
        assertEquals(1, gets.size(), "one status query: " + gets);
        SpanData get = gets.getFirst();
        assertEquals("GET", get.getName());
        assertEquals(attempt.getSpanId(), get.getParentSpanId());
        assertEquals(200L, get.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
        // A root's flags may carry the W3C random bit besides sampled: compare the trace and parent ids.
        String sent = "00-" + attempt.getTraceId() + "-" + get.getSpanId() + "-";
        assertTrue(
                received("GET", paymentId).stream()
                        .anyMatch(r -> r.traceparent().orElse("").startsWith(sent)),
                "the biller received the status query's context: " + received("GET", paymentId));
    }

    @Test
    void withoutAnSdkTheBillerReceivesTheRecordsTraceparentUnchangedAndNothingIsRecorded() {
        GlobalOpenTelemetry.resetForTest(); // the API's no-op, as in a service that configures no tracing
        String topic = infra.topic("trace-off", 1);
        consumer(topic, billers(), outcomes);
        var p = Payment.of("w-off", "ACC-F1", 900);
        String traceparent = "00-" + hex(32) + "-" + hex(16) + "-01";
        infra.send(topic, p, traceparent);
        awaitRecorded(p);
        List<BillerRequest> posts = received("POST", p.paymentId());
        assertEquals(1, posts.size());
        assertEquals(Optional.of(traceparent), posts.getFirst().traceparent(), "forwarded as it came");
        assertTrue(exporter.getFinishedSpanItems().isEmpty(), "no SDK, no spans");
    }
}
