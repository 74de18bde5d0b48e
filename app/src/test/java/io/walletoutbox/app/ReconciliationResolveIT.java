package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /admin/reconciliation/{paymentId}/resolve}: an operator settles a payment the biller left unresolved,
 * never against the biller's own definite answer, once, audited in the same transaction.
 */
class ReconciliationResolveIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        // api only: no consumer pays the payment, so it stays PENDING until resolved here
        service = new ServiceHarness("resolve", Map.of("ROLES", "api"));
    }

    @AfterAll
    static void stop() {
        ServiceHarness.closeAll(service);
    }

    @Test
    void operatorDeclinesANeverChargedPaymentOnceAndCannotContradictTheBiller() throws Exception {
        String wallet = service.walletWith(10_000);
        var paid = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-7\",\"amount\":2500}",
                "resolve-" + wallet);
        assertEquals(202, paid.statusCode(), paid.body());
        String payment = JSON.readTree(paid.body()).get("id").asText();
        assertEquals(7_500, service.balance(wallet));
        handOver(UUID.fromString(payment), wallet);
        String path = "/admin/reconciliation/" + payment + "/resolve";

        var byUser = service.requestAs(
                TestTokens.token(ServiceHarness.USER), "POST", path, "{\"outcome\":\"DECLINED\",\"reason\":\"x\"}");
        assertEquals(403, byUser.statusCode(), byUser.body());
        assertEquals(400, service.post(path, "{\"outcome\":\"DECLINED\"}", null).statusCode(), "reason required");
        assertEquals(
                400,
                service.post(path, "{\"outcome\":\"MAYBE\",\"reason\":\"x\"}", null)
                        .statusCode());

        // The biller never charged this key (its status answers 404 within its key retention): PAID contradicts it.
        HttpResponse<String> contradicts = service.post(
                path, "{\"outcome\":\"PAID\",\"providerReference\":\"R-1\",\"reason\":\"says ops\"}", null);
        assertEquals(409, contradicts.statusCode(), contradicts.body());
        assertTrue(contradicts.body().contains("contradicts-biller"), contradicts.body());
        assertEquals("PENDING", service.status(payment));

        HttpResponse<String> declined =
                service.post(path, "{\"outcome\":\"DECLINED\",\"reason\":\"biller ticket T-9: never charged\"}", null);
        assertEquals(200, declined.statusCode(), declined.body());
        assertEquals("RESOLVED", JSON.readTree(declined.body()).get("result").asText());
        assertEquals("FAILED", service.status(payment));
        assertEquals(10_000, service.balance(wallet), "refunded once");

        HttpResponse<String> again =
                service.post(path, "{\"outcome\":\"DECLINED\",\"reason\":\"biller ticket T-9: never charged\"}", null);
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(
                "ALREADY_RESOLVED", JSON.readTree(again.body()).get("result").asText());
        assertEquals(10_000, service.balance(wallet), "not refunded twice");
        HttpResponse<String> otherWay =
                service.post(path, "{\"outcome\":\"PAID\",\"providerReference\":\"R-1\",\"reason\":\"oops\"}", null);
        assertEquals(409, otherWay.statusCode(), otherWay.body());

        assertEquals(
                1,
                count(
                        "SELECT count(*) FROM admin_audit WHERE action = 'reconciliation.resolve.declined' AND target = 'payment:"
                                + payment + "' AND reason = 'biller ticket T-9: never charged'"),
                "audited once");
        assertEquals(
                404,
                service.post(
                                "/admin/reconciliation/" + UUID.randomUUID() + "/resolve",
                                "{\"outcome\":\"DECLINED\",\"reason\":\"x\"}",
                                null)
                        .statusCode());
        assertTrue(JSON.readTree(service.get("/admin/reconciliation").body())
                        .get("pending")
                        .asLong()
                == 0);
    }

    @Test
    void aDiscardedPaymentEventPutsThePaymentInReconciliationAndADeclineRefundsIt() throws Exception {
        String wallet = service.walletWith(10_000);
        var paid = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-8\",\"amount\":1500}",
                "discard-" + wallet);
        assertEquals(202, paid.statusCode(), paid.body());
        String payment = JSON.readTree(paid.body()).get("id").asText();
        long parked = park(wallet);

        var discarded = service.request(
                "DELETE",
                "/admin/outbox/parked/" + parked,
                "Bearer " + TestTokens.admin(),
                "{\"reason\":\"record too large for the topic\"}",
                null);
        assertEquals(204, discarded.statusCode(), discarded.body());
        assertEquals(
                1,
                count("SELECT count(*) FROM provider_reconciliation WHERE reason = 'discarded' AND resolved_at IS NULL"
                        + " AND last_attempt_at IS NULL AND payment_id = '" + payment + "'"),
                "in reconciliation, in the discard's transaction");
        assertEquals("PENDING", service.status(payment));

        // No attempt can land (the event never left the outbox): the operator's decline is decided at once.
        HttpResponse<String> declined = service.post(
                "/admin/reconciliation/" + payment + "/resolve",
                "{\"outcome\":\"DECLINED\",\"reason\":\"discarded event\"}",
                null);
        assertEquals(200, declined.statusCode(), declined.body());
        assertEquals("FAILED", service.status(payment));
        assertEquals(10_000, service.balance(wallet), "refunded");
    }

    @Test
    void aDeclineWhileAnAttemptMayStillLandAnswers409WithRetryAfter() throws Exception {
        String wallet = service.walletWith(10_000);
        var paid = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-9\",\"amount\":2500}",
                "inflight-" + wallet);
        String payment = JSON.readTree(paid.body()).get("id").asText();
        handOver(UUID.fromString(payment), wallet);
        try (Connection c = connect()) {
            c.createStatement()
                    .execute("UPDATE provider_reconciliation SET last_attempt_at = now() WHERE payment_id = '" + payment
                            + "'");
        }
        HttpResponse<String> refused = service.post(
                "/admin/reconciliation/" + payment + "/resolve",
                "{\"outcome\":\"DECLINED\",\"reason\":\"looks unpaid\"}",
                null);
        assertEquals(409, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("attempt-in-flight"), refused.body());
        assertTrue(refused.body().contains("can be decided after"), refused.body());
        long retryAfter =
                Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter > 0 && retryAfter <= 31, "within the default bound: " + retryAfter);
        assertEquals("PENDING", service.status(payment));
        assertEquals(7_500, service.balance(wallet), "not refunded");
    }

    /** Moves the wallet's outbox event to the parked events, as the relay does when Kafka refuses it for good. */
    private static long park(String wallet) throws SQLException {
        try (Connection c = connect();
                var s = c.prepareStatement("""
                        WITH moved AS (DELETE FROM outbox_event WHERE aggregate_id = ? RETURNING *)
                        INSERT INTO outbox_parked (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                                   payload, headers, created_at, attempts, last_error)
                        SELECT id, event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload, headers,
                               created_at, 3, 'RecordTooLargeException (test)' FROM moved
                        RETURNING id""")) {
            s.setString(1, wallet);
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Puts the payment into reconciliation as the consumer does when the biller's outcome stays unknown. */
    private static void handOver(UUID payment, String wallet) throws SQLException {
        try (Connection c = connect();
                var s = c.prepareStatement("""
                        INSERT INTO provider_reconciliation (payment_id, event_id, wallet_id, biller, customer_ref, amount,
                                                             currency, last_cause, attempts, first_attempt_at)
                        VALUES (?, ?, ?, 'wifi', 'ACC-7', 2500, 'USD', 'timeout', 3, now())
                        """)) {
            s.setObject(1, payment);
            s.setObject(2, UUID.randomUUID());
            s.setString(3, wallet);
            s.executeUpdate();
        }
    }

    private static long count(String sql) {
        return service.count(sql);
    }

    private static Connection connect() throws SQLException {
        return service.connect();
    }
}
