package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.Conditions;
import io.walletoutbox.provider.internal.BillerResponses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The late-landing fault over real HTTP: a charge that gets no answer, lands after the client gave up, and is
 * invisible (404) until then, as DESIGN.md ("Biller simulator") describes.
 */
class SimulatorLateLandingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"customerRef\":\"ACC-1001\",\"amount\":2500,\"currency\":\"USD\"}";
    private static final Duration SHORT = Duration.ofMillis(300);
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private BillerSimulator sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private void start(double lateLandingRate, long landAfterMs) {
        sim = BillerSimulator.start(SimulatorConfig.builder()
                .faults(SimulatorFaults.NONE.withLateLanding(lateLandingRate, landAfterMs))
                .build());
    }

    private HttpResponse<String> pay(String key, String body, Duration timeout) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/payments"))
                        .timeout(timeout)
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", key)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
                        .timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    @Test
    void aLateChargeTimesOutAtTheClientThenLandsOnceAndReplays() throws Exception {
        long landAfterMs = 1_500;
        start(1.0, landAfterMs);
        String key = UUID.randomUUID().toString();
        Instant sent = Instant.now(); // the simulator's clock: it lands at its arrival + landAfterMs
        Instant landsNoSoonerThan = sent.plusMillis(landAfterMs);
        assertThrows(HttpTimeoutException.class, () -> pay(key, BODY, SHORT));

        var early = get("/v1/payments/" + key);
        if (Instant.now().isBefore(landsNoSoonerThan)) {
            // Answered before sent + landAfterMs, so necessarily before the landing.
            assertEquals(404, early.statusCode(), "before it lands the key looks never charged: " + early.body());
            assertEquals(0, json(get("/v1/charges")).size());
        }

        Conditions.await(Duration.ofSeconds(30), "the late charge lands", () -> {
            try {
                return json(get("/v1/charges")).size() == 1;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertTrue(!Instant.now().isBefore(landsNoSoonerThan), "not before landAfterMs after the request");
        JsonNode charge = json(get("/v1/charges")).get(0);
        assertEquals(key, charge.get("idempotencyKey").asText());
        var stored = get("/v1/payments/" + key);
        assertEquals(200, stored.statusCode(), stored.body());
        assertEquals("PAID", json(stored).get("status").asText());
        assertEquals(charge.get("id"), json(stored).get("id"));

        var again = pay(key, BODY, Duration.ofSeconds(5)); // still rate 1.0: only a new key is held
        assertEquals(201, again.statusCode(), again.body());
        assertEquals(charge.get("id"), json(again).get("id"), "the stored PAID, not a second charge");
        assertEquals(1, json(get("/v1/charges")).size());
        assertEquals(1, sim.charges().size());
        assertEquals(1, sim.answers().getFirst().answered(), "only the replay was answered");
    }

    @Test
    void whileHeldTheKeyLooksNeverChargedAndAnotherPostIs409() throws Exception {
        start(1.0, 600_000); // lands long after this test
        String key = UUID.randomUUID().toString();
        assertThrows(HttpTimeoutException.class, () -> pay(key, BODY, SHORT));

        var status = get("/v1/payments/" + key);
        assertEquals(404, status.statusCode(), "exactly as for a key never charged");
        assertEquals(
                get("/v1/payments/" + UUID.randomUUID()).headers().firstValue("Content-Type"),
                status.headers().firstValue("Content-Type"));
        assertEquals(0, json(get("/v1/charges")).size());

        var retry = pay(key, BODY, Duration.ofSeconds(5));
        assertEquals(409, retry.statusCode(), retry.body());
        assertEquals(
                "application/problem+json",
                retry.headers().firstValue("Content-Type").orElse(""));
        assertEquals(409, json(retry).get("status").asInt());
        var otherBody = pay(key, BODY.replace("2500", "2600"), Duration.ofSeconds(5));
        assertEquals(409, otherBody.statusCode(), "in progress, whatever the body");
        var attempt = assertInstanceOf(
                BillerResponses.Attempt.Retryable.class, BillerResponses.ofPayment(retry.statusCode(), retry.body()));
        assertTrue(attempt.mayHaveCharged(), "the client must not take a 409 for 'not charged'");

        assertEquals(List.of(), sim.charges());
        assertEquals(List.of(), sim.answers(), "neither the held request nor a 409 is a definitive answer");
        long closing = System.nanoTime();
        sim.close(); // must not wait for the held request
        assertTrue(Duration.ofNanos(System.nanoTime() - closing).toSeconds() < 10);
        sim = null;
    }

    @Test
    void rateZeroMeansNoLateLanding() throws Exception {
        start(0.0, 600_000);
        for (int i = 0; i < 20; i++) {
            String key = UUID.randomUUID().toString();
            var r = pay(key, BODY, Duration.ofSeconds(5));
            assertEquals(201, r.statusCode(), r.body());
            assertEquals(200, get("/v1/payments/" + key).statusCode());
        }
        assertEquals(20, sim.charges().size());
    }

    @Test
    void lateLandingIsSetThroughTheApiShownAndValidated() throws Exception {
        start(0.0, 0);
        var set = post("/v1/faults", "{\"lateLandingRate\":0.5,\"landAfterMs\":250}");
        assertEquals(200, set.statusCode(), set.body());
        assertEquals(0.5, json(set).get("lateLandingRate").asDouble());
        assertEquals(250, json(set).get("landAfterMs").asLong());
        var shown = json(get("/v1/faults"));
        assertEquals(0.5, shown.get("lateLandingRate").asDouble());
        assertEquals(250, shown.get("landAfterMs").asLong());
        assertEquals(SimulatorFaults.NONE.withLateLanding(0.5, 250), sim.faults());

        for (String bad : List.of(
                "{\"lateLandingRate\":1.5}",
                "{\"lateLandingRate\":-0.1}",
                "{\"lateLandingRate\":\"half\"}",
                "{\"landAfterMs\":-1}",
                "{\"landAfterMs\":600001}",
                "{\"landAfterMs\":2.5}",
                "{\"landAfterMs\":\"soon\"}")) {
            var r = post("/v1/faults", bad);
            assertEquals(400, r.statusCode(), bad + " → " + r.body());
            String field = bad.contains("lateLandingRate") ? "lateLandingRate" : "landAfterMs";
            assertTrue(json(r).get("detail").asText().contains(field), r.body());
        }
        assertEquals(SimulatorFaults.NONE.withLateLanding(0.5, 250), sim.faults(), "a refused change changes nothing");
    }
}
