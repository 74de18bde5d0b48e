package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The walking skeleton end to end: HTTP → ledger + outbox → relay → Kafka → consumer → biller → outcome. */
class WalletFlowIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        service = new ServiceHarness("flow", Map.of());
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void billPaymentIsDebitedPublishedPaidAndSucceeds() throws Exception {
        String wallet = createWalletWith(5_000);

        var accepted = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1001\",\"amount\":2500}",
                "pay-" + wallet);
        assertEquals(202, accepted.statusCode(), accepted.body());
        JsonNode payment = JSON.readTree(accepted.body());
        assertEquals("PENDING", payment.get("status").asText());
        assertEquals(2500, balanceOf(wallet), "debited in the same transaction as the request");

        String id = payment.get("id").asText();
        ServiceHarness.await(
                Duration.ofSeconds(60), "payment " + id + " to succeed", () -> "SUCCEEDED".equals(statusOf(id)));
        JsonNode done = JSON.readTree(service.get("/bill-payments/" + id).body());
        assertTrue(done.hasNonNull("providerReference"), done.toString());
        assertEquals(2500, balanceOf(wallet));

        JsonNode charges = JSON.readTree(get(service.runtime.simulatorUrl().orElseThrow() + "/v1/charges"));
        long mine = 0;
        for (JsonNode charge : charges) {
            if (charge.get("idempotencyKey").asText().equals(id)) {
                mine++;
                assertEquals(2500, charge.get("amount").asLong());
            }
        }
        assertEquals(1, mine, "the biller charged the payment exactly once");
    }

    @Test
    void declinedPaymentFailsAndRefundsTheWallet() throws Exception {
        String wallet = createWalletWith(1_000);
        var accepted = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"DECLINE-7\",\"amount\":400}",
                "decline-" + wallet);
        assertEquals(202, accepted.statusCode(), accepted.body());
        String id = JSON.readTree(accepted.body()).get("id").asText();
        assertEquals(600, balanceOf(wallet));
        ServiceHarness.await(Duration.ofSeconds(60), "payment " + id + " to fail", () -> "FAILED".equals(statusOf(id)));
        assertEquals(1_000, balanceOf(wallet), "refunded exactly once");
    }

    @Test
    void metricsAndHealthAnswer() {
        var metrics = service.get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertTrue(metrics.body().contains("jvm_memory_used_bytes"), "JVM metrics present");
        assertTrue(metrics.body().contains("hikaricp_connections"), "pool metrics present");
        var ready = service.get("/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals(200, service.get("/health/live").statusCode());
    }

    @Test
    void unknownRoutesAndBadIdsAreProblems() {
        var missing = service.get("/nope");
        assertEquals(404, missing.statusCode());
        assertTrue(missing.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        var badId = service.get("/wallets/not-a-uuid");
        assertEquals(400, badId.statusCode(), badId.body());
        var unknown = service.get("/wallets/" + UUID.randomUUID());
        assertEquals(404, unknown.statusCode(), unknown.body());
    }

    private String createWalletWith(long amount) throws Exception {
        var created = service.post("/wallets", "{\"ownerId\":\"alice\",\"currency\":\"USD\"}", null);
        assertEquals(201, created.statusCode(), created.body());
        String wallet = JSON.readTree(created.body()).get("id").asText();
        var topUp = service.post("/wallets/" + wallet + "/top-ups", "{\"amount\":" + amount + "}", "top-" + wallet);
        assertEquals(201, topUp.statusCode(), topUp.body());
        assertEquals(amount, JSON.readTree(topUp.body()).get("balance").asLong());
        return wallet;
    }

    private static long balanceOf(String wallet) {
        try {
            return JSON.readTree(service.get("/wallets/" + wallet).body())
                    .get("balance")
                    .asLong();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String statusOf(String payment) {
        try {
            return JSON.readTree(service.get("/bill-payments/" + payment).body())
                    .get("status")
                    .asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String get(String url) throws Exception {
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
