package io.walletoutbox.app.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HealthRoutesTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final AtomicInteger databaseQueries = new AtomicInteger();

    @Test
    void readinessIsComputedAtMostOnceASecond() {
        HealthRoutes health = new HealthRoutes(
                List.of(new HealthRoutes.Check("postgresql", () -> {
                    databaseQueries.incrementAndGet();
                    return Optional.empty();
                })),
                List.of(),
                clock::get);
        HealthRoutes.Answer first = health.ready();
        clock.addAndGet(999_000_000L);
        assertSame(first, health.ready(), "a second hit within the second gets the same answer");
        assertEquals(1, databaseQueries.get(), "two hits within a second make one database query");
        clock.addAndGet(1_000_000L);
        health.ready();
        assertEquals(2, databaseQueries.get(), "a second later it is asked again");
        assertEquals(200, first.status());
    }

    @Test
    void aFailingPartIsNamedWithoutItsExceptionText() {
        HealthRoutes health = new HealthRoutes(
                List.of(
                        new HealthRoutes.Check(
                                "postgresql",
                                () -> Optional.of("PostgreSQL does not answer: PSQLException: FATAL: password"
                                        + " authentication failed for user \"wallet_rt\" at db-1.internal")),
                        new HealthRoutes.Check("kafka", () -> {
                            throw new IllegalStateException("broker-3.internal:9093 SaslAuthenticationException");
                        }),
                        new HealthRoutes.Check("migrations", Optional::empty)),
                List.of(),
                clock::get);
        HealthRoutes.Answer answer = health.ready();
        assertEquals(503, answer.status());
        String json = new String(Json.write(answer.body()), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.contains("\"postgresql\":{\"status\":\"DOWN\""), json);
        assertTrue(json.contains("\"kafka\":{\"status\":\"DOWN\""), json);
        assertTrue(json.contains("\"migrations\":{\"status\":\"UP\"}"), json);
        for (String leak : List.of("PSQLException", "wallet_rt", "db-1", "broker-3", "Sasl", "Exception")) {
            assertFalse(json.contains(leak), leak + " in " + json);
        }
        @SuppressWarnings("unchecked")
        Map<String, Map<String, String>> checks =
                (Map<String, Map<String, String>>) answer.body().get("checks");
        assertEquals(HealthRoutes.DOWN_DETAIL, checks.get("kafka").get("detail"));
    }
}
