package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.embedded.Conditions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The biller client against the real simulator, faults included. */
class BillerClientIT {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProviderMetrics metrics = new ProviderMetrics();
    private BillerSimulator sim =
            BillerSimulator.start(SimulatorConfig.builder().build());
    private final java.util.List<BillerClient> clients = new java.util.ArrayList<>();
    private BillerClient client;

    BillerClientIT() {
        metrics.bindTo(registry);
        client = track(BillerClient.create(Infra.clientConfig(sim), metrics));
    }

    private BillerClient track(BillerClient c) {
        clients.add(c);
        return c;
    }

    @AfterEach
    void stop() {
        clients.forEach(BillerClient::close);
        sim.close();
    }

    private static BillPaymentCall call(String customerRef) {
        return new BillPaymentCall(UUID.randomUUID(), customerRef, 2500, "USD", null);
    }

    private double count(String name, String... tags) {
        var c = registry.find(name).tags(tags).functionCounter();
        return c == null ? -1 : c.count();
    }

    @Test
    void paysOnceWithThePaymentIdAsKey() {
        var call = call("ACC-1");
        var paid = assertInstanceOf(BillerOutcome.Paid.class, client.pay(call));
        assertEquals(1, sim.charges().size());
        assertEquals(call.paymentId().toString(), sim.charges().getFirst().idempotencyKey());
        assertEquals(sim.charges().getFirst().id(), paid.reference());
        assertEquals(paid, client.pay(call), "paying again replays");
        assertEquals(1, sim.charges().size());
        assertEquals(2, count("biller.calls", "outcome", "paid"));
        assertTrue(registry.find("biller.call.latency").timer().count() >= 2);
    }

    @Test
    void declineIsDefinite() {
        var d = assertInstanceOf(BillerOutcome.Declined.class, client.pay(call("DECLINE-1")));
        assertTrue(d.reason().contains("DECLINE-1"));
        assertEquals(0, sim.charges().size());
        assertEquals(1, count("biller.calls", "outcome", "declined"));
    }

    @Test
    void serviceUnavailableThreeTimesThenOkChargesOnce() {
        sim.failNext(3);
        assertInstanceOf(BillerOutcome.Paid.class, client.pay(call("ACC-2")));
        assertEquals(1, sim.charges().size());
        assertEquals(3, count("biller.retries"));
    }

    @Test
    void chargeThenDropResponseIsPaidByTheRetryWithTheSameKey() {
        sim.dropNext(1);
        var paid = assertInstanceOf(BillerOutcome.Paid.class, client.pay(call("ACC-3")));
        assertEquals(1, sim.charges().size());
        assertEquals(sim.charges().getFirst().id(), paid.reference());
    }

    @Test
    void everyResponseLostIsSettledByTheStatusQuery() {
        sim.faults(new SimulatorFaults(0, 0, 0, 1.0));
        var paid = assertInstanceOf(BillerOutcome.Paid.class, client.pay(call("ACC-4")));
        assertEquals(1, sim.charges().size(), "four attempts, one charge");
        assertEquals(sim.charges().getFirst().id(), paid.reference());
    }

    @Test
    void timeoutsWithoutAChargeAreUnknownAndSaySo() {
        sim.close();
        sim = BillerSimulator.start(SimulatorConfig.builder()
                .faults(new SimulatorFaults(0, 0, 1.0, 0))
                .hangTime(Duration.ofSeconds(20))
                .build());
        client = track(BillerClient.create(
                Infra.clientConfig(sim).toBuilder()
                        .requestTimeout(Duration.ofMillis(200))
                        .maxAttempts(2)
                        .initialBackoff(Duration.ofMillis(10))
                        .maxBackoff(Duration.ofMillis(20))
                        .build(),
                metrics));
        var unknown = assertInstanceOf(BillerOutcome.Unknown.class, client.pay(call("ACC-5")));
        assertTrue(unknown.cause().contains("not charged"), unknown.cause());
        assertEquals(0, sim.charges().size());
        assertEquals(1, count("biller.calls", "outcome", "unknown"));
    }

    @Test
    void unreachableBillerIsUnknownAndOpensTheCircuit() {
        int port = sim.port();
        sim.close();
        client = track(BillerClient.create(
                BillerClientConfig.builder(URI.create("http://localhost:" + port))
                        .maxAttempts(3)
                        .initialBackoff(Duration.ofMillis(5))
                        .maxBackoff(Duration.ofMillis(10))
                        .breakerFailureThreshold(3)
                        .breakerOpenFor(Duration.ofSeconds(30))
                        .build(),
                metrics));
        assertInstanceOf(BillerOutcome.Unknown.class, client.pay(call("ACC-6")));
        assertEquals(
                ProviderMetrics.CIRCUIT_OPEN,
                registry.find("biller.circuit.state").gauge().value());
        var refused = assertInstanceOf(BillerOutcome.Unknown.class, client.pay(call("ACC-7")));
        assertTrue(refused.cause().startsWith("circuit open"), refused.cause());
    }

    @Test
    void circuitClosesAgainWhenTheBillerRecovers() {
        client = track(BillerClient.create(
                Infra.clientConfig(sim).toBuilder()
                        .breakerFailureThreshold(2)
                        .breakerOpenFor(Duration.ofMillis(200))
                        .maxAttempts(2)
                        .initialBackoff(Duration.ofMillis(5))
                        .maxBackoff(Duration.ofMillis(5))
                        .build(),
                metrics));
        sim.failNext(2);
        assertInstanceOf(BillerOutcome.Unknown.class, client.pay(call("ACC-8")));
        assertEquals(
                ProviderMetrics.CIRCUIT_OPEN,
                registry.find("biller.circuit.state").gauge().value());
        Conditions.await(
                Duration.ofSeconds(10),
                "the circuit lets a probe through and closes",
                () -> client.pay(call("ACC-9")) instanceof BillerOutcome.Paid);
        assertEquals(
                ProviderMetrics.CIRCUIT_CLOSED,
                registry.find("biller.circuit.state").gauge().value());
    }

    @Test
    void sendsThePaymentIdAsIdempotencyKeyAndForwardsTraceparent() throws Exception {
        var seen = new java.util.concurrent.ConcurrentLinkedQueue<com.sun.net.httpserver.Headers>();
        var stub = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("localhost", 0), 16);
        stub.createContext("/v1/payments", ex -> {
            seen.add(ex.getRequestHeaders());
            byte[] body = "{\"id\":\"stub-1\",\"status\":\"PAID\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(201, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        stub.start();
        try {
            client = track(BillerClient.create(
                    BillerClientConfig.builder(URI.create(
                                    "http://localhost:" + stub.getAddress().getPort()))
                            .build(),
                    metrics));
            String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            var call = new BillPaymentCall(UUID.randomUUID(), "ACC-10", 10, "EUR", traceparent);
            assertEquals(new BillerOutcome.Paid("stub-1"), client.pay(call));
            var headers = seen.remove();
            assertEquals(call.paymentId().toString(), headers.getFirst("Idempotency-Key"));
            assertEquals(traceparent, headers.getFirst("traceparent"));
        } finally {
            stub.stop(0);
        }
    }

    @Test
    void neverHasMoreThanMaxConnectionsRequestsInFlight() throws Exception {
        var inFlight = new java.util.concurrent.atomic.AtomicInteger();
        var arrived = new java.util.concurrent.Semaphore(0);
        var release = new java.util.concurrent.CountDownLatch(1);
        var most = new java.util.concurrent.atomic.AtomicInteger();
        var stub = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("localhost", 0), 64);
        stub.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        stub.createContext("/v1/payments", ex -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            arrived.release();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            byte[] body = "{\"id\":\"stub-1\",\"status\":\"PAID\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(201, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        stub.start();
        try (var callers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            client = track(BillerClient.create(
                    BillerClientConfig.builder(URI.create(
                                    "http://localhost:" + stub.getAddress().getPort()))
                            .maxConnections(3)
                            .build(),
                    metrics));
            var results = new java.util.ArrayList<java.util.concurrent.Future<BillerOutcome>>();
            for (int i = 0; i < 12; i++) {
                results.add(callers.submit(
                        () -> client.pay(new BillPaymentCall(UUID.randomUUID(), "ACC-10", 10, "EUR", null))));
            }
            // Three requests reach the biller; the other nine wait for a slot, sending nothing.
            assertTrue(arrived.tryAcquire(3, 30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(3, inFlight.get());
            release.countDown();
            for (var r : results) {
                assertEquals(new BillerOutcome.Paid("stub-1"), r.get());
            }
            assertEquals(3, most.get());
        } finally {
            release.countDown();
            stub.stop(0);
        }
    }

    private double configFaults(String status) {
        return count("biller.config.faults", "status", status);
    }

    @Test
    void sendsTheApiKeyAsBearerOnPaymentsAndOnStatusQueries() throws Exception {
        var seen = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        var stub = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("localhost", 0), 16);
        stub.createContext("/v1/payments", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Authorization"));
            // Every payment answers 500 (it may have charged), so the client asks for the key's status.
            boolean post = ex.getRequestMethod().equals("POST");
            byte[] body = (post ? "{}" : "{\"id\":\"stub-2\",\"status\":\"PAID\"}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(post ? 500 : 200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        stub.start();
        try {
            client = track(BillerClient.create(
                    BillerClientConfig.builder(URI.create(
                                    "http://localhost:" + stub.getAddress().getPort()))
                            .maxAttempts(2)
                            .initialBackoff(Duration.ofMillis(5))
                            .maxBackoff(Duration.ofMillis(5))
                            .apiKey(Optional.of("k-123.abc"))
                            .build(),
                    metrics));
            assertEquals(new BillerOutcome.Paid("stub-2"), client.pay(call("ACC-11")));
            assertEquals(
                    List.of("POST Bearer k-123.abc", "POST Bearer k-123.abc", "GET Bearer k-123.abc"),
                    List.copyOf(seen));
        } finally {
            stub.stop(0);
        }
    }

    @Test
    void withoutAKeyNoAuthorizationHeaderIsSent() throws Exception {
        var seen = new java.util.concurrent.ConcurrentLinkedQueue<Optional<String>>();
        var stub = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("localhost", 0), 16);
        stub.createContext("/v1/payments", ex -> {
            seen.add(Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization")));
            byte[] body = "{\"id\":\"stub-3\",\"status\":\"PAID\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(201, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        stub.start();
        try {
            client = track(BillerClient.create(
                    BillerClientConfig.builder(URI.create(
                                    "http://localhost:" + stub.getAddress().getPort()))
                            .build(),
                    metrics));
            assertEquals(new BillerOutcome.Paid("stub-3"), client.pay(call("ACC-12")));
            assertEquals(List.of(Optional.empty()), List.copyOf(seen));
        } finally {
            stub.stop(0);
        }
    }

    @Test
    void theSimulatorChargesTheClientThatSendsItsKeyAlsoThroughTheStatusQuery() {
        sim.requireApiKey(Optional.of("sim-key-1"));
        client = track(BillerClient.create(
                Infra.clientConfig(sim).toBuilder()
                        .apiKey(Optional.of("sim-key-1"))
                        .build(),
                metrics));
        assertInstanceOf(BillerOutcome.Paid.class, client.pay(call("ACC-13")));
        // Every answer lost: only the status query, which needs the key as well, can settle it.
        sim.faults(new SimulatorFaults(0, 0, 0, 1.0));
        var paid = assertInstanceOf(BillerOutcome.Paid.class, client.pay(call("ACC-14")));
        assertEquals(2, sim.charges().size());
        assertEquals(sim.charges().get(1).id(), paid.reference());
        assertEquals(0, configFaults("401"));
    }

    @Test
    void missingOrWrongKeyIsAConfigurationFaultNotADeclineAndChargesNothing() {
        sim.requireApiKey(Optional.of("sim-key-2"));
        var fault = assertInstanceOf(BillerOutcome.ConfigurationFault.class, client.pay(call("ACC-15")));
        assertEquals(401, fault.status());
        assertTrue(fault.cause().contains("401"), fault.cause());
        client = track(BillerClient.create(
                Infra.clientConfig(sim).toBuilder()
                        .apiKey(Optional.of("old-key"))
                        .build(),
                metrics));
        var wrong = assertInstanceOf(BillerOutcome.ConfigurationFault.class, client.pay(call("ACC-16")));
        assertEquals(401, wrong.status());
        assertTrue(!wrong.cause().contains("old-key"), wrong.cause());
        assertEquals(0, sim.charges().size());
        assertEquals(0, sim.answers().size());
        assertEquals(2, configFaults("401"));
        assertEquals(0, configFaults("403"));
        assertEquals(2, count("biller.calls", "outcome", "config_fault"));
        assertEquals(0, count("biller.calls", "outcome", "declined"));
        assertEquals(0, count("biller.retries"), "not retried within the call: the caller retries with backoff");
    }

    @Test
    void configurationFaultsOpenTheCircuitWhichThenStillReportsAConfigurationFault() {
        sim.requireApiKey(Optional.of("sim-key-3"));
        client = track(BillerClient.create(
                Infra.clientConfig(sim).toBuilder()
                        .breakerFailureThreshold(2)
                        .breakerOpenFor(Duration.ofSeconds(30))
                        .build(),
                metrics));
        assertInstanceOf(BillerOutcome.ConfigurationFault.class, client.pay(call("ACC-17")));
        assertEquals(
                ProviderMetrics.CIRCUIT_CLOSED,
                registry.find("biller.circuit.state").gauge().value());
        assertInstanceOf(BillerOutcome.ConfigurationFault.class, client.pay(call("ACC-18")));
        assertEquals(
                ProviderMetrics.CIRCUIT_OPEN,
                registry.find("biller.circuit.state").gauge().value());
        var whileOpen = assertInstanceOf(BillerOutcome.ConfigurationFault.class, client.pay(call("ACC-19")));
        assertEquals(401, whileOpen.status());
        assertTrue(whileOpen.cause().startsWith("circuit open"), whileOpen.cause());
        assertEquals(2, configFaults("401"), "the open circuit sent no request");
    }

    @Test
    void wrongRouteIsAConfigurationFault() {
        client = track(BillerClient.create(
                BillerClientConfig.builder(URI.create(sim.baseUrl() + "/no-such-prefix"))
                        .maxAttempts(3)
                        .initialBackoff(Duration.ofMillis(5))
                        .maxBackoff(Duration.ofMillis(5))
                        .build(),
                metrics));
        var fault = assertInstanceOf(BillerOutcome.ConfigurationFault.class, client.pay(call("ACC-20")));
        assertEquals(404, fault.status());
        assertEquals(1, configFaults("404"));
        assertEquals(0, sim.charges().size());
    }
}
