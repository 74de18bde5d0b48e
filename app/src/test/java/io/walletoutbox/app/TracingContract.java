package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.walletoutbox.app.internal.tracing.MdcContextStorage;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcSlots;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * One payment's trace, end to end, with the real PostgreSQL, Kafka and biller simulator: the service started with
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} pointing at an {@link OtlpReceiver} in the test and {@code
 * OTEL_TRACES_SAMPLER=always_on}, a payment made with a {@code traceparent} header, and what arrived decoded and
 * checked against the tracing contract (docs/tracing.md): the SERVER span under the caller's parent, {@code create}
 * under it, the relay's {@code publish} and the consumer's {@code process} under {@code create}, the biller call
 * under {@code process} (and the biller got that call's context), the outcome's {@code publish} under {@code
 * process}, the relay's own trace linked to {@code create}; and a payment whose biller outcome stays unknown until
 * the reconciliation job settles it. Written once, run against each relay mode (one subclass per mode, one service
 * per class).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TracingContract {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HexFormat HEX = HexFormat.of();
    static final String PAYMENT_ROUTE = "/wallets/{walletId}/bill-payments";

    final String traceId = randomHex(16);
    final String parentId = randomHex(8);
    OtlpReceiver receiver;
    ServiceHarness service;
    String wallet;
    String payment;

    /** Captures log events with their MDC (read on the logging thread, not later on the test's). */
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            super.append(event);
        }
    };

    /** {@code polling} or {@code cdc}. */
    abstract String relayMode();

    /** The name of the relay's own span per cycle (polling) or batch (CDC). */
    abstract String relaySpanName();

    @BeforeAll
    void start() throws IOException {
        GlobalOpenTelemetry.resetForTest(); // an SDK per service start; the JVM's earlier services left theirs
        logs.start();
        root().addAppender(logs);
        receiver = new OtlpReceiver();
        service = new ServiceHarness(
                "tracing_" + relayMode(),
                Map.of(
                        "RELAY_MODE", relayMode(),
                        "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                        "OTEL_TRACES_SAMPLER", "always_on",
                        // export within 100 ms instead of 5 s
                        "OTEL_BSP_SCHEDULE_DELAY", "100",
                        // an unknown outcome goes to reconciliation after 2 s, and the job asks the biller again
                        // after 1 s (doubling): the reconciliation test's payment is settled within seconds
                        "RECONCILIATION_AFTER", "2s",
                        "RECONCILIATION_INTERVAL", "1s"));
        // The short horizon also sweeps any payment PENDING for 2 s into reconciliation: the first payment waits for
        // the consumer to join its group, so it is a warm-up, not the one whose spans are checked. Its process span
        // arriving shows the consumer is at work.
        String warmUp = pay(service.walletWith(500), null);
        ServiceHarness.await(
                Duration.ofSeconds(60),
                "warm-up payment to succeed",
                () -> service.status(warmUp).equals("SUCCEEDED"));
        receiver.awaitSpan(
                null,
                "process " + service.topic,
                s -> warmUp.equals(s.attributes().get("walletoutbox.payment.id")));

        wallet = service.walletWith(500);
        payment = pay(wallet, "00-" + traceId + "-" + parentId + "-01");
        ServiceHarness.await(
                Duration.ofSeconds(30),
                "payment " + payment + " to succeed",
                () -> service.status(payment).equals("SUCCEEDED"));
    }

    @AfterAll
    void stop() {
        try {
            ServiceHarness.closeAll(service, receiver);
            if (service != null && relayMode().equals("cdc")) {
                dropSlot(service);
            }
        } finally {
            root().detachAppender(logs);
            GlobalOpenTelemetry.resetForTest();
        }
    }

    @Test
    void thePaymentRequestIsAServerSpanOfTheCallersTrace() {
        OtlpReceiver.Received server = awaitSpan("POST " + PAYMENT_ROUTE);
        assertEquals(SpanKind.SPAN_KIND_SERVER, server.span().getKind(), server.toString());
        assertEquals(parentId, server.parentSpanId(), "continues the caller's traceparent: " + server);
        assertEquals("wallet-outbox", server.service());
        Map<String, String> attributes = server.attributes();
        assertEquals("POST", attributes.get("http.request.method"), server.toString());
        assertEquals(PAYMENT_ROUTE, attributes.get("http.route"), server.toString());
        assertEquals("/wallets/" + wallet + "/bill-payments", attributes.get("url.path"), server.toString());
        assertEquals("202", attributes.get("http.response.status_code"), server.toString());
        assertEquals(List.of(), receiver.refused(), "everything sent was OTLP/HTTP protobuf to /v1/traces");
    }

    @Test
    void theOutboxAppendTheRelayAndTheConsumerContinueThePaymentsTrace() {
        OtlpReceiver.Received server = awaitSpan("POST " + PAYMENT_ROUTE);
        String topic = service.topic;
        OtlpReceiver.Received create =
                awaitSpan("create " + topic, s -> s.parentSpanId().equals(server.spanId()));
        assertEquals(SpanKind.SPAN_KIND_PRODUCER, create.span().getKind(), create.toString());
        assertEquals("kafka", create.attributes().get("messaging.system"), create.toString());
        assertEquals("create", create.attributes().get("messaging.operation.type"), create.toString());
        assertEquals(topic, create.attributes().get("messaging.destination.name"), create.toString());

        OtlpReceiver.Received publish =
                awaitSpan("publish " + topic, s -> s.parentSpanId().equals(create.spanId()));
        assertEquals(SpanKind.SPAN_KIND_PRODUCER, publish.span().getKind(), publish.toString());
        assertEquals("send", publish.attributes().get("messaging.operation.type"), publish.toString());
        assertEquals(wallet, publish.attributes().get("messaging.kafka.message.key"), publish.toString());
        assertTrue(publish.attributes().containsKey("messaging.kafka.offset"), "ended at the ack: " + publish);
        assertTrue(publish.attributes().containsKey("walletoutbox.outbox.wait_ms"), publish.toString());

        // The relay's cycle (polling) or batch (CDC) is a trace of its own, linked to the record it carried.
        OtlpReceiver.Received cycle =
                receiver.awaitSpan(null, relaySpanName(), s -> s.linksTo(traceId, create.spanId()));
        assertFalse(cycle.traceId().equals(traceId), "its own trace: " + cycle);
        assertTrue(cycle.span().getParentSpanId().isEmpty(), "a root span: " + cycle);
        assertEquals(relayMode(), cycle.attributes().get("walletoutbox.relay.mode"), cycle.toString());

        OtlpReceiver.Received process =
                awaitSpan("process " + topic, s -> s.parentSpanId().equals(create.spanId()));
        assertEquals(SpanKind.SPAN_KIND_CONSUMER, process.span().getKind(), process.toString());
        assertEquals(payment, process.attributes().get("walletoutbox.payment.id"), process.toString());
        assertEquals("false", process.attributes().get("walletoutbox.inbox.duplicate"), process.toString());

        // The outcome event (BillPaymentSucceeded) continues the trace under the consumer's span.
        OtlpReceiver.Received outcome =
                awaitSpan("publish " + topic, s -> s.parentSpanId().equals(process.spanId()));
        assertEquals(SpanKind.SPAN_KIND_PRODUCER, outcome.span().getKind(), outcome.toString());
        assertEquals(wallet, outcome.attributes().get("messaging.kafka.message.key"), outcome.toString());
    }

    @Test
    void theBillerCallIsAClientSpanWhoseContextTheBillerReceives() throws IOException {
        OtlpReceiver.Received charge = awaitSpan("POST", s -> s.span().getKind() == SpanKind.SPAN_KIND_CLIENT);
        OtlpReceiver.Received process = receiver.trace(traceId).stream()
                .filter(s -> s.spanId().equals(charge.parentSpanId()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the biller call's parent did not arrive: " + charge));
        assertEquals("process " + service.topic, process.name(), "the biller call is a child of the record's span");
        assertEquals("201", charge.attributes().get("http.response.status_code"), charge.toString());
        assertEquals("wifi", charge.attributes().get("walletoutbox.biller.id"), charge.toString());
        assertEquals(
                List.of("POST 00-" + traceId + "-" + charge.spanId() + "-01"),
                billerReceived(payment),
                "the biller got the call's span");
    }

    @Test
    void theConsumersLogLineCarriesTheTraceAndTheRecordsSpan() {
        OtlpReceiver.Received charge = awaitSpan("POST", s -> s.span().getKind() == SpanKind.SPAN_KIND_CLIENT);
        Map<String, String> mdc = awaitLog(payment).getMDCPropertyMap();
        assertEquals(traceId, mdc.get(MdcContextStorage.TRACE_ID), mdc.toString());
        assertEquals(
                charge.parentSpanId(),
                mdc.get(MdcContextStorage.SPAN_ID),
                "written under the record's span (the biller call's parent): " + mdc);
    }

    @Test
    void aRequestWithoutTraceparentStartsATraceOfItsOwn() {
        OtlpReceiver.Received created = receiver.awaitSpan(null, "POST /wallets", s -> true);
        assertEquals(SpanKind.SPAN_KIND_SERVER, created.span().getKind());
        assertTrue(created.span().getParentSpanId().isEmpty(), "a root span: " + created);
        assertFalse(created.traceId().equals(traceId), created.toString());
        assertEquals("201", created.attributes().get("http.response.status_code"), created.toString());
    }

    @Test
    void logLinesTakeTheCurrentSpansIdsFromTheContextStorage() {
        assertTrue(MdcContextStorage.active(), "the MDC bridge wraps the JVM's context storage");
    }

    /**
     * The biller charges but its answer is lost and its status route fails, so the outcome stays unknown past the
     * 2 s horizon and the payment goes to reconciliation (opened by the consumer, or by the job's no-progress
     * sweep, which then learns the record's traceparent). Once the biller recovers, the job asks again and
     * settles the payment as paid. That attempt is a {@code reconcile payment} span of a trace of its own, linked
     * to the payment's {@code create} span (the context the record carried); its status query is its CLIENT child
     * and the biller got that child's context. The settlement's outcome event (BillPaymentSucceeded) is recorded
     * with the reconcile span current, so it continues the reconciliation's trace, not the payment's: its
     * {@code publish} span is a child of the reconcile span ({@code EntryCheck.work} makes the span current;
     * {@code Traces.reconcile} starts it with no parent and the link).
     */
    @Test
    void aPaymentWhoseOutcomeStaysUnknownIsSettledByReconciliationInATraceLinkedToThePayments() throws Exception {
        String lostTrace = randomHex(16);
        String lostWallet = service.walletWith(500);
        String lost;
        faults("{\"dropResponseRate\":1.0,\"failStatus\":true}");
        try {
            lost = pay(lostWallet, "00-" + lostTrace + "-" + randomHex(8) + "-01");
            // Recovers only once the consumer is done with the record and the entry knows the payment's trace, so
            // the job (not a consumer retry) learns the outcome.
            ServiceHarness.await(
                    Duration.ofSeconds(30),
                    "payment " + lost + " in reconciliation with its traceparent",
                    () -> service.count("SELECT count(*) FROM provider_reconciliation WHERE payment_id = '" + lost
                                    + "' AND resolved_at IS NULL AND traceparent IS NOT NULL")
                            == 1);
            assertEquals("PENDING", service.status(lost), "not settled while the biller's answer is unknown");
        } finally {
            faults("{\"dropResponseRate\":0.0,\"failStatus\":false}");
        }
        ServiceHarness.await(
                Duration.ofSeconds(30),
                "payment " + lost + " to succeed",
                () -> service.status(lost).equals("SUCCEEDED"));
        assertEquals(400, service.balance(lostWallet), "debited once, never refunded");
        assertEquals(
                1,
                service.count("SELECT count(*) FROM provider_reconciliation WHERE payment_id = '" + lost
                        + "' AND resolved_how = 'job' AND resolved_outcome = 'PAID'"),
                "settled by the job");

        String topic = service.topic;
        OtlpReceiver.Received create = receiver.awaitSpan(lostTrace, "create " + topic, s -> true);
        OtlpReceiver.Received reconcile = receiver.awaitSpan(
                null,
                "reconcile payment",
                s -> lost.equals(s.attributes().get("walletoutbox.payment.id"))
                        && "paid".equals(s.attributes().get("walletoutbox.reconciliation.decision")));
        assertEquals(SpanKind.SPAN_KIND_INTERNAL, reconcile.span().getKind(), reconcile.toString());
        assertTrue(reconcile.span().getParentSpanId().isEmpty(), "a root span: " + reconcile);
        assertFalse(reconcile.traceId().equals(lostTrace), "a trace of its own: " + reconcile);
        assertTrue(
                reconcile.linksTo(lostTrace, create.spanId()),
                "linked to the payment's create span " + create + ": "
                        + reconcile.span().getLinksList());
        assertEquals("job", reconcile.attributes().get("walletoutbox.reconciliation.how"), reconcile.toString());
        assertEquals("wifi", reconcile.attributes().get("walletoutbox.biller.id"), reconcile.toString());

        OtlpReceiver.Received status = receiver.awaitSpan(
                reconcile.traceId(), "GET", s -> s.parentSpanId().equals(reconcile.spanId()));
        assertEquals(SpanKind.SPAN_KIND_CLIENT, status.span().getKind(), status.toString());
        assertEquals("200", status.attributes().get("http.response.status_code"), status.toString());
        // The flags need not be 01: the SDK sets W3C's random-trace-id flag (03) on a trace id it generated.
        String statusContext = "GET 00-" + reconcile.traceId() + "-" + status.spanId() + "-";
        assertTrue(
                billerReceived(lost).stream().anyMatch(r -> r.startsWith(statusContext)),
                "the biller got the status query's span " + status + ": " + billerReceived(lost));

        OtlpReceiver.Received outcome = receiver.awaitSpan(
                reconcile.traceId(), "publish " + topic, s -> s.parentSpanId().equals(reconcile.spanId()));
        assertEquals(SpanKind.SPAN_KIND_PRODUCER, outcome.span().getKind(), outcome.toString());
        assertEquals(lostWallet, outcome.attributes().get("messaging.kafka.message.key"), outcome.toString());
    }

    /** Requests a payment of 100 from {@code wallet} (with {@code traceparent} unless null); its id. */
    private String pay(String wallet, String traceparent) throws IOException {
        var request = HttpRequest.newBuilder(URI.create(service.baseUrl + "/wallets/" + wallet + "/bill-payments"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "p-" + wallet)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"biller\":\"wifi\",\"customerRef\":\"ACC-7\",\"amount\":100}"));
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        HttpResponse<String> accepted = service.send(request.build());
        assertEquals(202, accepted.statusCode(), accepted.body());
        return JSON.readTree(accepted.body()).path("id").asText();
    }

    /** Sets the biller simulator's faults ({@code POST /v1/faults}). */
    private void faults(String json) {
        var answer = service.sendRaw(HttpRequest.newBuilder(URI.create(service.simulatorUrl + "/v1/faults"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
        assertEquals(200, answer.statusCode(), answer.body());
    }

    /** {@code "<method> <traceparent>"} of each request the biller received for {@code payment}, in order. */
    List<String> billerReceived(String payment) throws IOException {
        JsonNode requests = JSON.readTree(service.getAbsolute(service.simulatorUrl + "/v1/requests"));
        List<String> sent = new ArrayList<>();
        requests.forEach(r -> {
            if (r.path("idempotencyKey").asText().equals(payment)) {
                sent.add(r.path("method").asText() + " " + r.path("traceparent").asText());
            }
        });
        return sent;
    }

    /** The consumer's "bill payment paid" line of {@code payment}. */
    private ILoggingEvent awaitLog(String payment) {
        Supplier<ILoggingEvent> find = () -> {
            synchronized (logs) {
                return logs.list.stream()
                        .filter(e -> e.getFormattedMessage().startsWith("bill payment paid"))
                        .filter(e -> payment.equals(e.getMDCPropertyMap().get("paymentId")))
                        .findFirst()
                        .orElse(null);
            }
        };
        ServiceHarness.await(Duration.ofSeconds(10), "the paid log line of " + payment, () -> find.get() != null);
        return find.get();
    }

    OtlpReceiver.Received awaitSpan(String name) {
        return awaitSpan(name, s -> true);
    }

    /** The first span of the payment's trace named {@code name} that {@code matches}, once it arrived. */
    OtlpReceiver.Received awaitSpan(String name, Predicate<OtlpReceiver.Received> matches) {
        return receiver.awaitSpan(traceId, name, matches);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** Drops the CDC relay's replication slot (cluster-wide) once the stopped service released it. */
    static void dropSlot(ServiceHarness service) {
        var infra = SharedInfrastructure.get();
        var config =
                CdcConfig.builder("cleanup", service.jdbcUrl, infra.user(), "").build();
        try (HikariDataSource ds =
                TestPools.pool(service.jdbcUrl, 1).user(infra.user(), "").open()) {
            Jdbi jdbi = Jdbi.create(ds);
            ServiceHarness.await(
                    Duration.ofSeconds(30),
                    "the slot to be released",
                    () -> jdbi.withHandle(h -> h.createQuery(
                                    "SELECT NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :s AND active)")
                            .bind("s", config.slotName())
                            .mapTo(Boolean.class)
                            .one()));
            CdcSlots.drop(ds, config);
        }
    }

    static String randomHex(int bytes) {
        byte[] id = new byte[bytes];
        new SecureRandom().nextBytes(id);
        id[0] |= 1; // never all zeros
        return HEX.formatHex(id);
    }
}
