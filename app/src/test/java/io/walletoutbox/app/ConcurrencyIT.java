package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Concurrent requests over HTTP against one wallet: the guarded debit and the idempotency keys hold. */
class ConcurrencyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        service = new ServiceHarness("concurrency", Map.of("ROLES", "api", "DAILY_PAYMENT_LIMIT", "10000"));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void fiftyConcurrentPaymentsOnTenPaymentsWorthOfMoney() throws Exception {
        String wallet = walletWith(1_000);
        List<HttpResponse<String>> responses = concurrently(
                50,
                i -> service.post(
                        "/wallets/" + wallet + "/bill-payments",
                        "{\"biller\":\"wifi\",\"customerRef\":\"ACC-" + i + "\",\"amount\":100}",
                        "pay-" + i));
        long accepted = responses.stream().filter(r -> r.statusCode() == 202).count();
        long refused = responses.stream().filter(r -> r.statusCode() == 422).count();
        assertEquals(10, accepted, "exactly ten payments fit");
        assertEquals(40, refused, "the rest are refused for insufficient funds");
        for (var r : responses) {
            if (r.statusCode() == 422) {
                assertTrue(r.body().contains("insufficient-funds"), r.body());
            }
        }
        assertEquals(0, balance(wallet));
    }

    @Test
    void concurrentPaymentsOverTheDailyLimitOnlyThoseWithinItSucceed() throws Exception {
        String wallet = walletWith(50_000);
        // DAILY_PAYMENT_LIMIT is 10,000 for this service: 30 payments of 1,500 → exactly 6 fit (9,000).
        List<HttpResponse<String>> responses = concurrently(
                30,
                i -> service.post(
                        "/wallets/" + wallet + "/bill-payments",
                        "{\"biller\":\"wifi\",\"customerRef\":\"ACC-" + i + "\",\"amount\":1500}",
                        "limit-" + i));
        assertEquals(6, responses.stream().filter(r -> r.statusCode() == 202).count());
        for (var r : responses) {
            if (r.statusCode() != 202) {
                assertEquals(422, r.statusCode(), r.body());
                assertTrue(r.body().contains("/problems/daily-limit-exceeded"), r.body());
            }
        }
        assertEquals(50_000 - 9_000, balance(wallet), "never more than the limit is debited");
        var more = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-X\",\"amount\":1000}",
                "limit-last");
        assertEquals(202, more.statusCode(), "1,000 still fits in the day's 10,000: " + more.body());
    }

    @Test
    void twentyConcurrentRequestsWithOneKeyDebitOnce() throws Exception {
        String wallet = walletWith(1_000);
        String body = "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1\",\"amount\":100}";
        List<HttpResponse<String>> responses =
                concurrently(20, i -> service.post("/wallets/" + wallet + "/bill-payments", body, "same-key"));
        List<String> successes = new ArrayList<>();
        for (var r : responses) {
            assertTrue(r.statusCode() == 202 || r.statusCode() == 409, r.statusCode() + " " + r.body());
            if (r.statusCode() == 202) {
                successes.add(r.body());
            }
        }
        assertTrue(!successes.isEmpty(), "at least the first request succeeded");
        assertTrue(successes.stream().distinct().count() == 1, "every 202 is the same response, replayed");
        assertEquals(900, balance(wallet), "debited exactly once");
        var replay = service.post("/wallets/" + wallet + "/bill-payments", body, "same-key");
        assertEquals(202, replay.statusCode());
        assertEquals(successes.getFirst(), replay.body(), "replayed byte for byte after completion");
        assertEquals("true", replay.headers().firstValue("Idempotent-Replayed").orElse(""));
        var other = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1\",\"amount\":200}",
                "same-key");
        assertEquals(422, other.statusCode(), other.body());
        assertEquals(900, balance(wallet));
    }

    private interface Call {
        HttpResponse<String> run(int i) throws Exception;
    }

    private static List<HttpResponse<String>> concurrently(int n, Call call) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    go.await();
                    return call.run(index);
                }));
            }
            go.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (var f : futures) {
                responses.add(f.get());
            }
            return responses;
        }
    }

    private static String walletWith(long amount) throws Exception {
        var created = service.post("/wallets", "{\"currency\":\"USD\"}", null);
        String wallet = JSON.readTree(created.body()).get("id").asText();
        assertEquals(
                201,
                service.post("/wallets/" + wallet + "/top-ups", "{\"amount\":" + amount + "}", "seed-" + wallet)
                        .statusCode());
        return wallet;
    }

    private static long balance(String wallet) throws Exception {
        return JSON.readTree(service.get("/wallets/" + wallet).body())
                .get("balance")
                .asLong();
    }
}
