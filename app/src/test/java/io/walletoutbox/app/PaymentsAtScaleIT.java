package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 1,000 payments over 50 wallets through the whole service with a biller that takes 100 ms per call: every payment
 * ends terminal, money is conserved (I1), no wallet is negative (I2), each payment is debited once and refunded only
 * when declined (I3), the biller charged exactly the SUCCEEDED ones once (I4), and each wallet's outcomes were
 * recorded in the order its payments were requested.
 */
class PaymentsAtScaleIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WALLETS = 50;
    private static final int PER_WALLET = 20;
    private static ServiceHarness service;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        service = new ServiceHarness("scale", Map.of());
        post(service.simulatorUrl + "/v1/faults", "{\"latencyMs\":100}");
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void thousandPaymentsOverFiftyWalletsKeepEveryInvariant() throws Exception {
        List<String> wallets = new ArrayList<>();
        for (int w = 0; w < WALLETS; w++) {
            String id = JSON.readTree(service.post("/wallets", "{\"currency\":\"USD\"}", null)
                            .body())
                    .get("id")
                    .asText();
            assertEquals(
                    201,
                    service.post("/wallets/" + id + "/top-ups", "{\"amount\":100000}", "fund-" + id)
                            .statusCode());
            wallets.add(id);
        }
        long started = System.nanoTime();
        // Each wallet's payments are requested one after another (so their order is defined), wallets in parallel;
        // every fifth payment goes to a customer the biller declines.
        Map<String, List<String>> requested = new HashMap<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<String>>> perWallet = new ArrayList<>();
            for (String wallet : wallets) {
                perWallet.add(pool.submit(() -> {
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < PER_WALLET; i++) {
                        String customer = i % 5 == 4 ? "DECLINE-" + i : "ACC-" + i;
                        var r = service.post(
                                "/wallets/" + wallet + "/bill-payments",
                                "{\"biller\":\"wifi\",\"customerRef\":\"" + customer + "\",\"amount\":" + (100 + i)
                                        + "}",
                                wallet + "-" + i);
                        assertEquals(202, r.statusCode(), r.body());
                        ids.add(JSON.readTree(r.body()).get("id").asText());
                    }
                    return ids;
                }));
            }
            for (int w = 0; w < WALLETS; w++) {
                requested.put(wallets.get(w), perWallet.get(w).get());
            }
        }
        ServiceHarness.await(Duration.ofMinutes(4), "every payment to be terminal", () -> pending() == 0);
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(
                "%d payments with a 100 ms biller: all terminal after %.1f s (%.0f payments/s)%n",
                WALLETS * PER_WALLET, seconds, WALLETS * PER_WALLET / seconds);

        try (Connection c = DriverManager.getConnection(service.jdbcUrl, "postgres", "")) {
            // I1: double entry — balances sum to zero, and each balance is its credits minus its debits
            assertEquals(0L, single(c, "SELECT sum(balance) FROM account"));
            assertEquals(0L, single(c, """
                    SELECT count(*) FROM account a WHERE a.balance <>
                      coalesce((SELECT sum(amount) FROM transfer WHERE credit_account = a.id), 0)
                    - coalesce((SELECT sum(amount) FROM transfer WHERE debit_account = a.id), 0)"""));
            // I2
            assertEquals(0L, single(c, "SELECT count(*) FROM account WHERE kind = 'WALLET' AND balance < 0"));
            // I3: one debit per payment; a refund exactly for the FAILED ones; settlement exactly for SUCCEEDED
            assertEquals(1000L, single(c, "SELECT count(*) FROM transfer WHERE kind = 'BILL_PAYMENT'"));
            assertEquals(
                    single(c, "SELECT count(*) FROM bill_payment WHERE status = 'FAILED'"),
                    single(
                            c,
                            "SELECT count(*) FROM transfer t JOIN bill_payment p ON p.id = t.reference"
                                    + " WHERE t.kind = 'REFUND' AND p.status = 'FAILED'"));
            assertEquals(
                    0L,
                    single(
                            c,
                            "SELECT count(*) FROM transfer t JOIN bill_payment p ON p.id = t.reference"
                                    + " WHERE t.kind = 'REFUND' AND p.status <> 'FAILED'"));
            assertEquals(200L, single(c, "SELECT count(*) FROM bill_payment WHERE status = 'FAILED'"));
            assertEquals(800L, single(c, "SELECT count(*) FROM bill_payment WHERE status = 'SUCCEEDED'"));
            // money still in clearing would be a payment neither settled nor refunded
            assertEquals(0L, single(c, "SELECT coalesce(sum(balance), 0) FROM account WHERE kind = 'BILLER_CLEARING'"));

            // I4: the biller charged each SUCCEEDED payment exactly once, and nothing else
            JsonNode charges = JSON.readTree(get(service.simulatorUrl + "/v1/charges"));
            Map<String, Integer> chargesPerPayment = new HashMap<>();
            charges.forEach(
                    ch -> chargesPerPayment.merge(ch.get("idempotencyKey").asText(), 1, Integer::sum));
            try (var rs = c.createStatement().executeQuery("SELECT id, status FROM bill_payment")) {
                while (rs.next()) {
                    int expected = rs.getString("status").equals("SUCCEEDED") ? 1 : 0;
                    assertEquals(expected, chargesPerPayment.getOrDefault(rs.getString("id"), 0), rs.getString("id"));
                }
            }
            assertEquals(800, charges.size());

            // each wallet's outcomes were recorded in request order
            for (var entry : requested.entrySet()) {
                List<String> completedOrder = new ArrayList<>();
                try (var ps = c.prepareStatement(
                        "SELECT id::text FROM bill_payment WHERE wallet_id = ?::uuid ORDER BY completed_at, id")) {
                    ps.setString(1, entry.getKey());
                    try (var rs = ps.executeQuery()) {
                        while (rs.next()) {
                            completedOrder.add(rs.getString(1));
                        }
                    }
                }
                assertEquals(
                        entry.getValue(), completedOrder, "outcomes of wallet " + entry.getKey() + " in request order");
            }
        }
    }

    private static long pending() {
        try (Connection c = DriverManager.getConnection(service.jdbcUrl, "postgres", "")) {
            return single(c, "SELECT count(*) FROM bill_payment WHERE status = 'PENDING'");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static long single(Connection c, String sql) throws Exception {
        try (var rs = c.createStatement().executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    private static String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static void post(String url, String json) throws Exception {
        var r = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() / 100 == 2, r.body());
    }
}
