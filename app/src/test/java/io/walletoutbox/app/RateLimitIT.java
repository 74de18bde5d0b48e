package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The request limits: a principal's token bucket (5 per second, bursts of 10 here) and the bucket of refused tokens
 * per client address (the default: 5 per second, bursts of 20), counted after verification so that it never turns
 * a valid token away. Every 429 is problem+json with an integer {@code Retry-After}, and waiting that long is
 * enough to be served again.
 */
class RateLimitIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        service = new ServiceHarness(
                "rate_limit",
                Map.of("RATE_LIMIT_PER_SECOND", "5", "RATE_LIMIT_BURST", "10", "AUTH_FAILURE_RATE_LIMIT", "5"));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void burstBeyondThePrincipalsBucketIsLimitedOthersAreNotAndRetryAfterIsEnough() throws Exception {
        String carol = TestTokens.token("carol-" + UUID.randomUUID());
        String dave = TestTokens.token("dave-" + UUID.randomUUID());
        String path = "/wallets/" + UUID.randomUUID(); // 404 once past the limits: served

        List<HttpResponse<String>> answers = new ArrayList<>();
        long started = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> burst = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                burst.add(pool.submit(() -> service.requestAs(carol, "GET", path, null)));
            }
            for (var f : burst) {
                answers.add(f.get());
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long served = answers.stream().filter(a -> a.statusCode() == 404).count();
        long limited = answers.stream().filter(a -> a.statusCode() == 429).count();
        assertEquals(30, served + limited, "only 404 (served) or 429: " + statuses(answers));
        assertTrue(limited >= 1, "a burst of 30 over a bucket of 10 is limited: " + statuses(answers));
        assertTrue(
                served >= 10 && served <= 10 + Math.ceil(5 * seconds) + 1,
                served + " served in " + seconds + " s with a bucket of 10 refilled at 5/s");

        long retryAfter = 0;
        for (var answer : answers) {
            if (answer.statusCode() == 429) {
                retryAfter = Math.max(retryAfter, checkTooMany(answer));
            }
        }
        assertEquals(404, service.requestAs(dave, "GET", path, null).statusCode(), "another principal is unaffected");

        awaitSeconds(retryAfter);
        var again = service.requestAs(carol, "GET", path, null);
        assertEquals(404, again.statusCode(), "served again after Retry-After: " + again.body());
    }

    @Test
    void after200BadTokensFromOneAddressItsBadTokensGet429ButAValidTokenIsStillAnswered() throws Exception {
        String valid = TestTokens.token("erin-" + UUID.randomUUID());
        String path = "/wallets/" + UUID.randomUUID();

        int refused = 0;
        long started = System.nanoTime();
        HttpResponse<String> limited = null;
        for (int i = 0; i < 200; i++) {
            var answer = service.request("GET", path, "Bearer not-a-token", null, null);
            if (answer.statusCode() == 429) {
                limited = limited == null ? answer : limited;
            } else {
                assertEquals(401, answer.statusCode(), answer.body());
                refused++;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertNotNull(limited, "200 refused tokens from one address are limited");
        assertTrue(
                refused >= 20 && refused <= 20 + Math.ceil(5 * seconds) + 1,
                refused + " answered 401 in " + seconds + " s (burst 20, 5/s), the rest 429");
        checkTooMany(limited);

        // Tokens are verified before any address is counted: a valid token from the same address is served, each
        // time right after that address's bad tokens were turned away again (the bucket refills at 5/s, so it is
        // drained before each try).
        for (int i = 0; i < 5; i++) {
            int drained = 0;
            while (service.request("GET", path, "Bearer not-a-token", null, null)
                            .statusCode()
                    != 429) {
                assertTrue(++drained < 100, "the address stays limited");
            }
            var answer = service.requestAs(valid, "GET", path, null);
            assertEquals(
                    404, answer.statusCode(), "a valid token from a limited address is answered: " + answer.body());
        }
    }

    /** Checks a 429 and returns its Retry-After. */
    private static long checkTooMany(HttpResponse<String> answer) throws Exception {
        assertEquals(429, answer.statusCode());
        assertTrue(
                answer.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
                answer.headers().map().toString());
        assertEquals(429, JSON.readTree(answer.body()).path("status").asInt(), answer.body());
        String retryAfter = answer.headers().firstValue("Retry-After").orElse("");
        assertTrue(retryAfter.matches("[1-9][0-9]*"), "Retry-After is a whole number of seconds ≥ 1: " + retryAfter);
        return Long.parseLong(retryAfter);
    }

    /** Waits until {@code seconds} have passed (what a client told to Retry-After does). */
    private static void awaitSeconds(long seconds) {
        long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        ServiceHarness.await(Duration.ofSeconds(seconds + 5), "Retry-After to pass", () -> System.nanoTime() >= until);
    }

    private static List<Integer> statuses(List<HttpResponse<String>> answers) {
        return answers.stream().map(HttpResponse::statusCode).toList();
    }
}
