package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {

    @Test
    void simulatorConfigReadsTheEnvironmentNames() {
        var c = SimulatorConfig.fromEnv(Map.of(
                "HTTP_PORT", "9099",
                "LATENCY_MS", "100",
                "ERROR_RATE", "0.2",
                "TIMEOUT_RATE", "0.05",
                "DROP_RESPONSE_RATE", "0.1",
                "IDEMPOTENCY_RETENTION_SECONDS", "60"));
        assertEquals(9099, c.port());
        assertEquals(new SimulatorFaults(100, 0.2, 0.05, 0.1), c.faults());
        assertEquals(Duration.ofSeconds(60), c.retention());
        assertEquals(
                SimulatorConfig.DEFAULT_STANDALONE_PORT,
                SimulatorConfig.fromEnv(Map.of()).port());
        assertEquals(SimulatorFaults.NONE, SimulatorConfig.fromEnv(Map.of()).faults());
    }

    @Test
    void simulatorConfigRejectsBadValues() {
        assertThrows(IllegalArgumentException.class, () -> SimulatorConfig.fromEnv(Map.of("ERROR_RATE", "1.5")));
        assertThrows(IllegalArgumentException.class, () -> SimulatorConfig.fromEnv(Map.of("LATENCY_MS", "fast")));
        assertThrows(IllegalArgumentException.class, () -> SimulatorConfig.fromEnv(Map.of("HTTP_PORT", "70000")));
        assertThrows(IllegalArgumentException.class, () -> new SimulatorFaults(-1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SimulatorFaults(0, Double.NaN, 0, 0));
    }

    @Test
    void lateLandingIsReadFromTheEnvironmentAndValidated() {
        var c = SimulatorConfig.fromEnv(Map.of("LATE_LANDING_RATE", "0.25", "LAND_AFTER_MS", "1500"));
        assertEquals(new SimulatorFaults(0, 0, 0, 0, 0.25, 1500), c.faults());
        assertEquals(SimulatorFaults.NONE.withLateLanding(0.25, 1500), c.faults());
        assertEquals(
                new SimulatorFaults(0, 0, 0, 0.5, 0, 0),
                new SimulatorFaults(0, 0, 0, 0.5),
                "the four-component constructor means no late landing");
        assertThrows(
                IllegalArgumentException.class, () -> SimulatorConfig.fromEnv(Map.of("LATE_LANDING_RATE", "1.01")));
        assertThrows(
                IllegalArgumentException.class, () -> SimulatorConfig.fromEnv(Map.of("LATE_LANDING_RATE", "some")));
        assertThrows(IllegalArgumentException.class, () -> SimulatorConfig.fromEnv(Map.of("LAND_AFTER_MS", "-1")));
        assertThrows(IllegalArgumentException.class, () -> SimulatorConfig.fromEnv(Map.of("LAND_AFTER_MS", "2s")));
        var tooLate =
                assertThrows(IllegalArgumentException.class, () -> SimulatorFaults.NONE.withLateLanding(1, 600_001));
        assertTrue(tooLate.getMessage().contains("landAfterMs"), tooLate.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SimulatorFaults.NONE.withLateLanding(Double.NaN, 0));
    }

    @Test
    void clientConfigIsValidated() {
        var ok = BillerClientConfig.builder(URI.create("http://localhost:8081")).build();
        assertEquals(5, ok.maxAttempts());
        assertThrows(
                IllegalArgumentException.class,
                () -> BillerClientConfig.builder(URI.create("ftp://x")).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.toBuilder()
                        .maxAttempts(0)
                        .initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(1))
                        .build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.toBuilder()
                        .maxAttempts(3)
                        .initialBackoff(Duration.ofSeconds(2))
                        .maxBackoff(Duration.ofSeconds(1))
                        .build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.toBuilder().requestTimeout(Duration.ZERO).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.toBuilder()
                        .breakerFailureThreshold(0)
                        .breakerOpenFor(Duration.ofSeconds(1))
                        .build());
        assertEquals(BillerClientConfig.DEFAULT_MAX_CONNECTIONS, ok.maxConnections());
        assertEquals(
                ok.maxConnections(),
                ok.toBuilder()
                        .apiKey(Optional.of("k"))
                        .keyRetention(Duration.ofHours(1))
                        .maxAttempts(2)
                        .initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(2))
                        .build()
                        .maxConnections());
        assertEquals(
                7,
                ok.toBuilder()
                        .maxConnections(7)
                        .requestTimeout(Duration.ofSeconds(1))
                        .build()
                        .maxConnections());
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.toBuilder().maxConnections(0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.toBuilder().maxConnections(10_001).build());
    }

    @Test
    void clientConfigCarriesTheApiKeyButNeverPrintsIt() {
        String key = "sk_live_4f9a1c0e7b2d";
        var c = BillerClientConfig.builder(URI.create("https://biller.example"))
                .apiKey(Optional.of(key))
                .build();
        assertEquals(Optional.of(key), c.apiKey());
        assertFalse(c.toString().contains(key), c.toString());
        assertFalse(c.toString().contains("4f9a"), c.toString());
        assertTrue(c.toString().contains("apiKey=<redacted>"), c.toString());
        assertTrue(c.toString().contains("https://biller.example"), "the rest is still shown: " + c);
        assertEquals(
                Optional.of(key),
                c.toBuilder()
                        .maxAttempts(2)
                        .initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(2))
                        .build()
                        .apiKey());
        assertEquals(
                Optional.of(key),
                c.toBuilder()
                        .breakerFailureThreshold(2)
                        .breakerOpenFor(Duration.ofSeconds(1))
                        .build()
                        .apiKey());
        assertEquals(
                Optional.of(key),
                c.toBuilder().requestTimeout(Duration.ofSeconds(1)).build().apiKey());
        var none = c.toBuilder().apiKey(Optional.empty()).build();
        assertEquals(Optional.empty(), none.apiKey());
        assertTrue(none.toString().contains("apiKey=<none>"), none.toString());
        assertEquals(
                Optional.empty(),
                BillerClientConfig.builder(URI.create("http://localhost:1"))
                        .build()
                        .apiKey(),
                "no key unless one is set");
    }

    @Test
    void badApiKeysAreRefusedWithoutEchoingThem() {
        var ok = BillerClientConfig.builder(URI.create("http://localhost:8081")).build();
        for (String bad : new String[] {"", "two words-secret", "line\nbreak-secret", "tab\tsecret"}) {
            var e = assertThrows(
                    IllegalArgumentException.class,
                    () -> ok.toBuilder().apiKey(Optional.of(bad)).build());
            assertFalse(e.getMessage().contains("secret"), e.getMessage());
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> SimulatorConfig.builder()
                        .requiredApiKey(Optional.of("has space-secret"))
                        .build());
    }

    @Test
    void simulatorListensOnLoopbackByDefaultAndNeverPrintsItsKey(@TempDir Path dir) throws Exception {
        assertTrue(SimulatorConfig.builder().build().bindAddress().isLoopbackAddress());
        assertEquals(
                "127.0.0.1", SimulatorConfig.builder().build().bindAddress().getHostAddress());
        assertEquals(Optional.empty(), SimulatorConfig.builder().build().requiredApiKey());
        assertEquals(
                "127.0.0.1", SimulatorConfig.fromEnv(Map.of()).bindAddress().getHostAddress());
        var open = SimulatorConfig.fromEnv(Map.of("BIND_ADDRESS", "0.0.0.0", "API_KEY", "sim-secret-1"));
        assertTrue(open.bindAddress().isAnyLocalAddress());
        assertEquals(Optional.of("sim-secret-1"), open.requiredApiKey());
        assertFalse(open.toString().contains("sim-secret-1"), open.toString());
        assertTrue(open.toString().contains("requiredApiKey=<redacted>"), open.toString());

        Path file = dir.resolve("key");
        Files.writeString(file, "file-secret-2\n");
        var fromFile = SimulatorConfig.fromEnv(Map.of("API_KEY_FILE", file.toString()));
        assertEquals(Optional.of("file-secret-2"), fromFile.requiredApiKey());
        assertThrows(
                IllegalArgumentException.class,
                () -> SimulatorConfig.fromEnv(Map.of("API_KEY", "a", "API_KEY_FILE", file.toString())));
        var missing = assertThrows(
                IllegalArgumentException.class,
                () -> SimulatorConfig.fromEnv(
                        Map.of("API_KEY_FILE", dir.resolve("absent").toString())));
        assertTrue(missing.getMessage().contains("API_KEY_FILE"), missing.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> SimulatorConfig.fromEnv(Map.of("BIND_ADDRESS", "no-such-host.invalid")));
        assertEquals(
                InetAddress.getByName("::1"),
                SimulatorConfig.builder()
                        .bindAddress(InetAddress.getByName("::1"))
                        .build()
                        .bindAddress());
    }

    @Test
    void consumerConfigIsValidated() {
        var ok = BillPaymentConsumerConfig.builder("localhost:9092").build();
        assertEquals("wallet.events", ok.topic());
        assertEquals("bill-payments", ok.groupId());
        assertEquals("wallet.events.dlq", ok.deadLetterTopic());
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.toBuilder().topic(" ").groupId("g").build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.toBuilder()
                        .maxInFlight(0)
                        .poisonAttempts(3)
                        .shutdownGrace(Duration.ofSeconds(1))
                        .build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.toBuilder()
                        .maxInFlight(10)
                        .poisonAttempts(0)
                        .shutdownGrace(Duration.ofSeconds(1))
                        .build());
        assertEquals(BillPaymentConsumerConfig.DEFAULT_MAX_DATABASE_CONCURRENCY, ok.maxDatabaseConcurrency());
        assertEquals(
                3,
                ok.toBuilder()
                        .maxDatabaseConcurrency(3)
                        .topic("t")
                        .groupId("g")
                        .maxInFlight(5)
                        .poisonAttempts(1)
                        .shutdownGrace(Duration.ofSeconds(1))
                        .maxRecordRetry(Duration.ofMinutes(1))
                        .build()
                        .maxDatabaseConcurrency());
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.toBuilder().maxDatabaseConcurrency(0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.toBuilder()
                        .unknownRetryInitial(Duration.ofSeconds(2))
                        .unknownRetryMax(Duration.ofSeconds(1))
                        .reconciliationHorizon(Duration.ofMinutes(1))
                        .build());
    }

    @Test
    void buildersStartFromTheDocumentedDefaultsAndToBuilderCopiesEveryValue() {
        var consumer = BillPaymentConsumerConfig.builder("localhost:9092").build();
        assertEquals(BillPaymentConsumerConfig.DEFAULT_TOPIC, consumer.topic());
        assertEquals(BillPaymentConsumerConfig.DEFAULT_GROUP, consumer.groupId());
        assertEquals(1_000, consumer.maxInFlight());
        assertEquals(Duration.ofMinutes(15), consumer.reconciliationHorizon());
        var changedConsumer = consumer.toBuilder()
                .maxInFlight(5)
                .kafkaProperties(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", "password=\"hunter2\""))
                .build();
        assertEquals(changedConsumer, changedConsumer.toBuilder().build());
        assertEquals(1_000, consumer.maxInFlight(), "the original is unchanged");
        assertFalse(changedConsumer.toString().contains("hunter2"), changedConsumer.toString());

        var reconciliation = ReconciliationConfig.builder().build();
        assertEquals(Duration.ofSeconds(30), reconciliation.recheckInterval());
        assertEquals(8, reconciliation.concurrency());
        assertEquals(reconciliation, reconciliation.toBuilder().build());
        assertThrows(
                IllegalArgumentException.class,
                () -> reconciliation.toBuilder()
                        .recheckMax(Duration.ofSeconds(1))
                        .build());

        var simulator = SimulatorConfig.builder().build();
        assertEquals(0, simulator.port());
        assertEquals(SimulatorConfig.LOOPBACK, simulator.bindAddress());
        assertEquals(simulator, simulator.toBuilder().build());

        var client = BillerClientConfig.builder(URI.create("http://localhost:8081"))
                .inFlightBound(Duration.ofMinutes(2))
                .build();
        assertEquals(client, client.toBuilder().build());
        assertEquals(
                Duration.ofMinutes(2),
                client.toBuilder().requestTimeout(Duration.ofSeconds(1)).build().inFlightBound());
    }

    @Test
    void paymentCallIsValidated() {
        UUID id = UUID.randomUUID();
        assertEquals(id, new BillPaymentCall(id, "ACC-1", 1, "USD", null).paymentId());
        assertThrows(IllegalArgumentException.class, () -> new BillPaymentCall(id, "ACC-1", 0, "USD", null));
        assertThrows(IllegalArgumentException.class, () -> new BillPaymentCall(id, " ", 1, "USD", null));
        assertThrows(IllegalArgumentException.class, () -> new BillPaymentCall(id, "ACC-1", 1, "US", null));
        assertThrows(NullPointerException.class, () -> new BillPaymentCall(null, "ACC-1", 1, "USD", null));
    }
}
