package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.Conditions;
import io.walletoutbox.embedded.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The simulator's HTTP contract (DESIGN.md "Biller simulator"), over real HTTP. */
class BillerSimulatorIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"customerRef\":\"ACC-1001\",\"amount\":2500,\"currency\":\"USD\"}";
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private BillerSimulator sim =
            BillerSimulator.start(SimulatorConfig.builder().build());

    @AfterEach
    void stop() {
        sim.close();
    }

    private HttpResponse<String> post(String path, String key, String body) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(sim.baseUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    @Test
    void secondRequestWithSameKeyReplaysFirstAnswerWithoutASecondCharge() throws Exception {
        String key = UUID.randomUUID().toString();
        var first = post("/v1/payments", key, BODY);
        assertEquals(201, first.statusCode());
        assertEquals("PAID", json(first).get("status").asText());
        var second = post("/v1/payments", key, BODY);
        assertEquals(201, second.statusCode());
        assertEquals(json(first).get("id"), json(second).get("id"));
        assertEquals(1, sim.charges().size());

        JsonNode charges = json(get("/v1/charges"));
        assertEquals(1, charges.size());
        JsonNode c = charges.get(0);
        assertEquals(json(first).get("id").asText(), c.get("id").asText());
        assertEquals(key, c.get("idempotencyKey").asText());
        assertEquals("ACC-1001", c.get("customerRef").asText());
        assertEquals(2500, c.get("amount").asLong());
        assertEquals("USD", c.get("currency").asText());
    }

    @Test
    void sameKeyWithAnotherBodyIsUnprocessable() throws Exception {
        String key = UUID.randomUUID().toString();
        assertEquals(201, post("/v1/payments", key, BODY).statusCode());
        var other = post("/v1/payments", key, BODY.replace("2500", "2600"));
        assertEquals(422, other.statusCode());
        assertEquals(
                "application/problem+json",
                other.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(1, sim.charges().size());
    }

    @Test
    void unknownCustomerIsDeclinedForGoodAndRememberedPerKey() throws Exception {
        String key = UUID.randomUUID().toString();
        String body = BODY.replace("ACC-1001", "DECLINE-42");
        var r = post("/v1/payments", key, body);
        assertEquals(422, r.statusCode());
        assertEquals("DECLINED", json(r).get("status").asText());
        assertTrue(json(r).get("reason").asText().contains("DECLINE-42"));
        assertEquals(422, post("/v1/payments", key, body).statusCode());
        var stored = get("/v1/payments/" + key);
        assertEquals(200, stored.statusCode());
        assertEquals("DECLINED", json(stored).get("status").asText());
        assertEquals(0, sim.charges().size());
    }

    @Test
    void lookupByKeyFindsTheStoredOutcomeOr404() throws Exception {
        String key = UUID.randomUUID().toString();
        assertEquals(404, get("/v1/payments/" + key).statusCode());
        var paid = post("/v1/payments", key, BODY);
        var stored = get("/v1/payments/" + key);
        assertEquals(200, stored.statusCode());
        assertEquals(json(paid).get("id"), json(stored).get("id"));
        assertEquals("PAID", json(stored).get("status").asText());
    }

    @Test
    void missingKeyOrBadBodyIsBadRequest() throws Exception {
        assertEquals(400, post("/v1/payments", null, BODY).statusCode());
        String key = UUID.randomUUID().toString();
        assertEquals(400, post("/v1/payments", key, "not json").statusCode());
        assertEquals(400, post("/v1/payments", key, BODY.replace("2500", "-1")).statusCode());
        assertEquals(
                400, post("/v1/payments", key, BODY.replace("2500", "25.5")).statusCode());
        assertEquals(
                400, post("/v1/payments", key, BODY.replace("USD", "dollars")).statusCode());
        assertEquals(
                400,
                post("/v1/payments", key, BODY.replace("}", ",\"extra\":1}")).statusCode());
        assertEquals(404, get("/v1/payments/" + key).statusCode(), "a rejected request charges nothing");
        assertEquals(0, sim.charges().size());
    }

    @Test
    void failNextAnswers503ThatManyTimesThenCharges() throws Exception {
        var set = post("/v1/faults", null, "{\"failNext\":2}");
        assertEquals(200, set.statusCode());
        assertEquals(2, json(set).get("failNext").asInt());
        String key = UUID.randomUUID().toString();
        assertEquals(503, post("/v1/payments", key, BODY).statusCode());
        assertEquals(503, post("/v1/payments", key, BODY).statusCode());
        assertEquals(0, sim.charges().size(), "a 503 charges nothing");
        assertEquals(201, post("/v1/payments", key, BODY).statusCode());
        assertEquals(1, sim.charges().size());
    }

    @Test
    void answersCountEachDefinitiveAnswerWrittenBackNotFaultsOrDrops() throws Exception {
        String paid = UUID.randomUUID().toString();
        String declined = UUID.randomUUID().toString();
        sim.failNext(1);
        assertEquals(503, post("/v1/payments", paid, BODY).statusCode());
        sim.dropNext(1);
        assertThrows(IOException.class, () -> post("/v1/payments", paid, BODY));
        assertEquals(List.of(), sim.answers(), "neither a 503 nor a dropped answer counts");
        Instant before = Instant.now();
        assertEquals(201, post("/v1/payments", paid, BODY).statusCode());
        assertEquals(201, post("/v1/payments", paid, BODY).statusCode());
        assertEquals(
                422,
                post("/v1/payments", declined, BODY.replace("ACC-1001", "DECLINE-7"))
                        .statusCode());
        assertEquals(
                422, post("/v1/payments", paid, BODY.replace("2500", "2600")).statusCode());
        assertEquals(200, get("/v1/payments/" + paid).statusCode());

        var answers = sim.answers();
        assertEquals(
                List.of(paid, declined),
                answers.stream().map(AnsweredKey::idempotencyKey).toList(),
                "the mismatch and the lookup do not count");
        assertEquals(2, answers.get(0).answered());
        assertEquals(1, answers.get(1).answered());
        assertFalse(answers.get(0).lastAnsweredAt().isBefore(before));
        assertFalse(answers.get(1).lastAnsweredAt().isBefore(answers.get(0).lastAnsweredAt()));
        JsonNode served = json(get("/v1/answers"));
        assertEquals(2, served.size());
        assertEquals(paid, served.get(0).get("idempotencyKey").asText());
        assertEquals(2, served.get(0).get("answered").asInt());
        assertEquals(
                answers.get(0).lastAnsweredAt(),
                Instant.parse(served.get(0).get("lastAnsweredAt").asText()));
        assertEquals(declined, served.get(1).get("idempotencyKey").asText());
        assertEquals(1, served.get(1).get("answered").asInt());
    }

    @Test
    void faultsAreSetThroughTheApiAndValidated() throws Exception {
        var r = post(
                "/v1/faults",
                null,
                "{\"latencyMs\":5,\"errorRate\":0.25,\"timeoutRate\":0.0,\"dropResponseRate\":0.5}");
        assertEquals(200, r.statusCode());
        assertEquals(new SimulatorFaults(5, 0.25, 0.0, 0.5), sim.faults());
        assertEquals(400, post("/v1/faults", null, "{\"errorRate\":2}").statusCode());
        assertEquals(400, post("/v1/faults", null, "{\"bogus\":1}").statusCode());
        assertEquals(new SimulatorFaults(5, 0.25, 0.0, 0.5), sim.faults(), "a rejected change changes nothing");
    }

    @Test
    void droppedResponseStillCharges() throws Exception {
        sim.faults(new SimulatorFaults(0, 0, 0, 1.0));
        String key = UUID.randomUUID().toString();
        assertThrows(IOException.class, () -> post("/v1/payments", key, BODY));
        assertEquals(1, sim.charges().size());
        assertEquals(200, get("/v1/payments/" + key).statusCode());
    }

    @Test
    void timeoutFaultHangsPastTheClientTimeoutAndChargesNothing() throws Exception {
        sim.close();
        sim = BillerSimulator.start(SimulatorConfig.builder()
                .faults(new SimulatorFaults(0, 0, 1.0, 0))
                .hangTime(Duration.ofSeconds(20))
                .build());
        String key = UUID.randomUUID().toString();
        var request = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/payments"))
                .timeout(Duration.ofMillis(300))
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(BODY))
                .build();
        assertThrows(HttpTimeoutException.class, () -> http.send(request, HttpResponse.BodyHandlers.ofString()));
        assertEquals(404, get("/v1/payments/" + key).statusCode());
        long start = System.nanoTime();
        sim.close(); // must not wait for the hanging request
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10);
    }

    @Test
    void keysAreForgottenAfterTheRetentionWindow() throws Exception {
        sim.close();
        sim = BillerSimulator.start(
                SimulatorConfig.builder().retention(Duration.ofMillis(300)).build());
        String key = UUID.randomUUID().toString();
        String firstId = json(post("/v1/payments", key, BODY)).get("id").asText();
        Conditions.await(Duration.ofSeconds(10), "the key expires", () -> {
            try {
                return get("/v1/payments/" + key).statusCode() == 404;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        var again = post("/v1/payments", key, BODY);
        assertEquals(201, again.statusCode());
        assertNotEquals(firstId, json(again).get("id").asText());
        assertEquals(2, sim.charges().size());
    }

    @Test
    void listensOnTheConfiguredPort() {
        int port = sim.port();
        sim.close();
        sim = BillerSimulator.start(SimulatorConfig.builder().port(port).build());
        assertEquals(port, sim.port());
        assertEquals("http://localhost:" + port, sim.baseUrl());
    }

    @Test
    void runServesOnThePortOfTheEnvironmentNameUntilInterrupted() throws Exception {
        int port = LoopbackPorts.free();
        var out = new java.io.ByteArrayOutputStream();
        var previous = System.out;
        Thread runner;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            runner = Thread.ofPlatform().start(() -> BillerSimulator.run(new String[] {"--HTTP_PORT=" + port}));
            URI charges = URI.create("http://localhost:" + port + "/v1/charges");
            Conditions.await(Duration.ofSeconds(20), "the stand-alone simulator answers", () -> {
                try {
                    return http.send(HttpRequest.newBuilder(charges).build(), HttpResponse.BodyHandlers.ofString())
                                    .statusCode()
                            == 200;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
        } finally {
            System.setOut(previous);
        }
        assertTrue(
                out.toString(java.nio.charset.StandardCharsets.UTF_8).contains("http://localhost:" + port),
                out.toString());
        runner.interrupt();
        runner.join(Duration.ofSeconds(20));
        assertFalse(runner.isAlive());
    }

    private HttpResponse<String> postWithAuthorization(String key, String authorization) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/payments"))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(BODY));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> getWithAuthorization(String path, String authorization) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
                        .header("Authorization", authorization)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertUnauthorized(HttpResponse<String> r) throws IOException {
        assertEquals(401, r.statusCode(), r.body());
        assertTrue(
                r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"),
                r.headers().map().toString());
        assertEquals(
                "application/problem+json",
                r.headers().firstValue("Content-Type").orElse(""));
        assertEquals(401, json(r).get("status").asInt());
    }

    @Test
    void requiredApiKeyRefusesMissingAndWrongKeysWith401AndChargesNothing() throws Exception {
        sim.close();
        sim = BillerSimulator.start(
                SimulatorConfig.builder().requiredApiKey(Optional.of("the-key")).build());
        assertTrue(sim.apiKeyRequired());
        String key = UUID.randomUUID().toString();
        assertUnauthorized(postWithAuthorization(key, null));
        var wrong = postWithAuthorization(key, "Bearer the-kez");
        assertUnauthorized(wrong);
        assertTrue(wrong.headers().firstValue("WWW-Authenticate").orElseThrow().contains("invalid_token"));
        assertUnauthorized(postWithAuthorization(key, "Bearer the-key-and-more"));
        assertUnauthorized(postWithAuthorization(key, "Basic dGhlLWtleQ=="));
        assertUnauthorized(postWithAuthorization(key, "the-key"));
        assertUnauthorized(get("/v1/payments/" + key));
        assertEquals(0, sim.charges().size(), "no refused request charged");
        assertEquals(0, sim.answers().size());

        var ok = postWithAuthorization(key, "bearer the-key"); // the scheme is case-insensitive (RFC 9110)
        assertEquals(201, ok.statusCode(), ok.body());
        assertEquals(
                200,
                getWithAuthorization("/v1/payments/" + key, "Bearer the-key").statusCode());
        assertUnauthorized(getWithAuthorization("/v1/payments/" + key, "Bearer nope"));
        assertEquals(1, sim.charges().size());
        assertEquals(200, get("/v1/charges").statusCode(), "the test endpoints need no key");
    }

    @Test
    void theRequiredKeyCanBeFlippedAtRuntimeAndIsNeverShown() throws Exception {
        var set = post("/v1/faults", null, "{\"requireApiKey\":\"flip-key-7\"}");
        assertEquals(200, set.statusCode(), set.body());
        assertTrue(json(set).get("apiKeyRequired").asBoolean());
        assertFalse(set.body().contains("flip-key-7"), set.body());
        assertFalse(get("/v1/faults").body().contains("flip-key-7"));
        String key = UUID.randomUUID().toString();
        assertUnauthorized(post("/v1/payments", key, BODY));
        assertEquals(201, postWithAuthorization(key, "Bearer flip-key-7").statusCode());

        assertEquals(400, post("/v1/faults", null, "{\"requireApiKey\":\"\"}").statusCode());
        assertEquals(400, post("/v1/faults", null, "{\"requireApiKey\":7}").statusCode());
        var cleared = post("/v1/faults", null, "{\"requireApiKey\":null}");
        assertFalse(json(cleared).get("apiKeyRequired").asBoolean());
        assertEquals(
                201, post("/v1/payments", UUID.randomUUID().toString(), BODY).statusCode());

        sim.requireApiKey(Optional.of("java-key"));
        assertUnauthorized(post("/v1/payments", UUID.randomUUID().toString(), BODY));
        sim.requireApiKey(Optional.empty());
        assertFalse(sim.apiKeyRequired());
        assertEquals(
                201, post("/v1/payments", UUID.randomUUID().toString(), BODY).statusCode());
        assertEquals(3, sim.charges().size());
    }

    @Test
    void listensOnLoopbackUnlessToldOtherwise() throws Exception {
        java.net.InetAddress external = null;
        for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (var a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address) {
                        external = a;
                    }
                }
            }
        }
        Assumptions.assumeTrue(external != null, "this machine has no non-loopback IPv4 address");
        int port = sim.port();
        var target = new java.net.InetSocketAddress(external, port);
        try (var socket = new java.net.Socket()) {
            assertThrows(java.net.ConnectException.class, () -> socket.connect(target, 2_000));
        }
        sim.close();
        sim = BillerSimulator.start(SimulatorConfig.builder()
                .bindAddress(java.net.InetAddress.getByName("0.0.0.0"))
                .build());
        try (var socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(external, sim.port()), 2_000);
            assertTrue(socket.isConnected(), "bound to every interface, it is reachable there");
        }
        assertEquals("http://localhost:" + sim.port(), sim.baseUrl());
    }
}
