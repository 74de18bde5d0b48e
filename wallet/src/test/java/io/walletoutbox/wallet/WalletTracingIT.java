package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The wallet's spans and trace contexts (docs/tracing.md), against a real PostgreSQL: a payment's {@code
 * BillPaymentRequested} append is a {@code create} span whose context the row stores, child of the current span or
 * else of the caller's {@code traceparent}; an outcome event carries the current span's context; without an SDK
 * the rows are as before (the caller's {@code traceparent}; none on an outcome recorded with no span current).
 */
class WalletTracingIT {
    private static final String GIVEN = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final BillPaymentRequest WIFI = new BillPaymentRequest("wifi", "ACC-1001", 100);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestDatabase db;

    private InMemorySpanExporter exported;

    @BeforeAll
    static void start() {
        db = new TestDatabase("wallet_tracing_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void reset() {
        GlobalOpenTelemetry.resetForTest();
    }

    @AfterEach
    void resetAgain() {
        GlobalOpenTelemetry.resetForTest();
    }

    private void registerSdk() {
        exported = InMemorySpanExporter.create();
        OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(exported))
                        .build())
                .buildAndRegisterGlobal();
    }

    /** The stored traceparent of the wallet's only event of {@code type}, or null. */
    private static String stored(UUID walletId, String type) throws Exception {
        String headers = db.jdbi.withHandle(
                h -> h.createQuery("SELECT headers::text FROM outbox_event WHERE aggregate_id = :w AND event_type = :t")
                        .bind("w", walletId.toString())
                        .bind("t", type)
                        .mapTo(String.class)
                        .one());
        var node = JSON.readTree(headers).get("traceparent");
        return node == null ? null : node.asText();
    }

    private List<SpanData> creates() {
        return exported.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("create " + db.config.eventsTopic()))
                .toList();
    }

    private static String traceparent(SpanData span) {
        var c = span.getSpanContext();
        return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-"
                + c.getTraceFlags().asHex();
    }

    private static String attr(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    @Test
    void paymentUnderTheRequestsSpanStoresItsCreateSpansContext() throws Exception {
        registerSdk();
        Wallet w = db.walletWith(1000);
        Span server = GlobalOpenTelemetry.getTracer("test")
                .spanBuilder("POST /wallets/{walletId}/bill-payments")
                .setSpanKind(SpanKind.SERVER)
                .startSpan();
        try (Scope ignored = server.makeCurrent()) {
            db.wallets.requestBillPayment(w.id(), WIFI, Optional.of(GIVEN));
        } finally {
            server.end();
        }
        SpanData create = creates().getFirst();
        assertEquals(1, creates().size());
        assertEquals(traceparent(create), stored(w.id(), WalletEvents.BILL_PAYMENT_REQUESTED));
        assertEquals(SpanKind.PRODUCER, create.getKind());
        assertEquals(server.getSpanContext().getTraceId(), create.getTraceId());
        assertEquals(server.getSpanContext().getSpanId(), create.getParentSpanId());
        assertEquals("kafka", attr(create, "messaging.system"));
        assertEquals("create", attr(create, "messaging.operation.type"));
        assertEquals("create", attr(create, "messaging.operation.name"));
        assertEquals(db.config.eventsTopic(), attr(create, "messaging.destination.name"));
        String eventId =
                db.jdbi.withHandle(h -> h.createQuery("SELECT event_id::text FROM outbox_event WHERE aggregate_id = :w")
                        .bind("w", w.id().toString())
                        .mapTo(String.class)
                        .one());
        assertEquals(eventId, attr(create, "messaging.message.id"));
        assertEquals(StatusCode.UNSET, create.getStatus().getStatusCode());
    }

    @Test
    void keyedPaymentWithNoCurrentSpanContinuesTheCallersTraceparentAndAReplayAppendsNothing() throws Exception {
        registerSdk();
        Wallet w = db.walletWith(1000);
        var key = new IdempotencyKeys.Request("scope/" + w.id(), "k1", IdempotencyKeys.fingerprint("pay", "a"));
        java.util.function.Function<BillPayment, StoredResponse> response = p -> new StoredResponse(
                202,
                "application/json",
                ("{\"id\":\"" + p.id() + "\",\"currency\":\"" + p.currency() + "\"}").getBytes(StandardCharsets.UTF_8));
        assertInstanceOf(
                IdempotencyKeys.Executed.class,
                db.wallets.requestBillPayment(key, w.id(), w.ownerId(), WIFI, Optional.of(GIVEN), response));
        SpanData create = creates().getFirst();
        assertEquals(traceparent(create), stored(w.id(), WalletEvents.BILL_PAYMENT_REQUESTED));
        assertEquals(GIVEN.substring(3, 35), create.getTraceId());
        assertEquals(GIVEN.substring(36, 52), create.getParentSpanId());

        db.wallets.requestBillPayment(key, w.id(), w.ownerId(), WIFI, Optional.of(GIVEN), response);
        assertEquals(2, creates().size());
        assertEquals(
                false, creates().get(1).getAttributes().get(AttributeKey.booleanKey("walletoutbox.outbox.appended")));
    }

    @Test
    void refusedPaymentEndsItsSpanWithoutAnAppendAndNoError() {
        registerSdk();
        Wallet w = db.walletWith(10);
        assertThrows(
                WalletException.InsufficientFunds.class,
                () -> db.wallets.requestBillPayment(w.id(), WIFI, Optional.empty()));
        SpanData create = creates().getFirst();
        assertEquals(false, create.getAttributes().get(AttributeKey.booleanKey("walletoutbox.outbox.appended")));
        assertEquals(StatusCode.UNSET, create.getStatus().getStatusCode());
    }

    @Test
    void outcomeEventCarriesTheCurrentSpansContext() throws Exception {
        registerSdk();
        Wallet w = db.walletWith(1000);
        BillPayment paid = db.wallets.requestBillPayment(w.id(), WIFI, Optional.empty());
        Span process = GlobalOpenTelemetry.getTracer("test")
                .spanBuilder("process wallet.events")
                .setSpanKind(SpanKind.CONSUMER)
                .startSpan();
        try (Scope ignored = process.makeCurrent()) {
            db.wallets.recordOutcome(
                    new InboxEntry("bill-payments", UUID.randomUUID()),
                    paid.id(),
                    w.id(),
                    new PaymentOutcome.Paid("ref-1"));
        } finally {
            process.end();
        }
        var c = process.getSpanContext();
        assertEquals(
                "00-" + c.getTraceId() + "-" + c.getSpanId() + "-"
                        + c.getTraceFlags().asHex(),
                stored(w.id(), WalletEvents.BILL_PAYMENT_SUCCEEDED));

        // The caller's-transaction path (reconciliation) likewise; with no span current, no traceparent.
        Wallet v = db.walletWith(1000);
        BillPayment declined = db.wallets.requestBillPayment(v.id(), WIFI, Optional.empty());
        db.jdbi.useTransaction(h -> db.wallets.recordOutcome(h, declined.id(), new PaymentOutcome.Declined("no")));
        assertNull(stored(v.id(), WalletEvents.BILL_PAYMENT_FAILED));
    }

    @Test
    void withoutAnSdkRowsCarryTheCallersTraceparentAsBefore() throws Exception {
        Wallet w = db.walletWith(1000);
        BillPayment p = db.wallets.requestBillPayment(w.id(), WIFI, Optional.of(GIVEN));
        assertEquals(GIVEN, stored(w.id(), WalletEvents.BILL_PAYMENT_REQUESTED));
        db.wallets.recordOutcome(
                new InboxEntry("bill-payments", UUID.randomUUID()), p.id(), w.id(), new PaymentOutcome.Paid("r"));
        assertNull(stored(w.id(), WalletEvents.BILL_PAYMENT_SUCCEEDED));
        Wallet v = db.walletWith(1000);
        db.wallets.requestBillPayment(v.id(), WIFI, Optional.empty());
        assertNull(stored(v.id(), WalletEvents.BILL_PAYMENT_REQUESTED));
        assertFalse(GlobalOpenTelemetry.isSet(), "the wallet never registers the no-op itself");
    }
}
