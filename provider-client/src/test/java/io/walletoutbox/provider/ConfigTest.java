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
        var ok = BillerClientConfig.defaults(URI.create("http://localhost:8081"));
        assertEquals(5, ok.maxAttempts());
        assertThrows(IllegalArgumentException.class, () -> BillerClientConfig.defaults(URI.create("ftp://x")));
        assertThrows(
                IllegalArgumentException.class, () -> ok.withRetries(0, Duration.ofMillis(1), Duration.ofMillis(1)));
        assertThrows(
                IllegalArgumentException.class, () -> ok.withRetries(3, Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> ok.withRequestTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> ok.withBreaker(0, Duration.ofSeconds(1)));
        assertEquals(BillerClientConfig.DEFAULT_MAX_CONNECTIONS, ok.maxConnections());
        assertEquals(
                ok.maxConnections(),
                ok.withApiKey(Optional.of("k"))
                        .withKeyRetention(Duration.ofHours(1))
                        .withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2))
                        .maxConnections());
        assertEquals(
                7,
                ok.withMaxConnections(7)
                        .withRequestTimeout(Duration.ofSeconds(1))
                        .maxConnections());
        assertThrows(IllegalArgumentException.class, () -> ok.withMaxConnections(0));
        assertThrows(IllegalArgumentException.class, () -> ok.withMaxConnections(10_001));
    }

    @Test
    void clientConfigCarriesTheApiKeyButNeverPrintsIt() {
        String key = "sk_live_4f9a1c0e7b2d";
        var c = BillerClientConfig.defaults(URI.create("https://biller.example"))
                .withApiKey(Optional.of(key));
        assertEquals(Optional.of(key), c.apiKey());
        assertFalse(c.toString().contains(key), c.toString());
        assertFalse(c.toString().contains("4f9a"), c.toString());
        assertTrue(c.toString().contains("apiKey=<redacted>"), c.toString());
        assertTrue(c.toString().contains("https://biller.example"), "the rest is still shown: " + c);
        assertEquals(
                Optional.of(key),
                c.withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2)).apiKey());
        assertEquals(Optional.of(key), c.withBreaker(2, Duration.ofSeconds(1)).apiKey());
        assertEquals(
                Optional.of(key), c.withRequestTimeout(Duration.ofSeconds(1)).apiKey());
        var none = c.withApiKey(Optional.empty());
        assertEquals(Optional.empty(), none.apiKey());
        assertTrue(none.toString().contains("apiKey=<none>"), none.toString());
        assertEquals(
                Optional.empty(),
                new BillerClientConfig(
                                URI.create("http://localhost:1"),
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(1),
                                1,
                                Duration.ofMillis(1),
                                Duration.ofMillis(1),
                                1,
                                Duration.ofSeconds(1))
                        .apiKey(),
                "the constructor without a key still works");
    }

    @Test
    void badApiKeysAreRefusedWithoutEchoingThem() {
        var ok = BillerClientConfig.defaults(URI.create("http://localhost:8081"));
        for (String bad : new String[] {"", "two words-secret", "line\nbreak-secret", "tab\tsecret"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> ok.withApiKey(Optional.of(bad)));
            assertFalse(e.getMessage().contains("secret"), e.getMessage());
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> SimulatorConfig.DEFAULTS.withRequiredApiKey(Optional.of("has space-secret")));
    }

    @Test
    void simulatorListensOnLoopbackByDefaultAndNeverPrintsItsKey(@TempDir Path dir) throws Exception {
        assertTrue(SimulatorConfig.DEFAULTS.bindAddress().isLoopbackAddress());
        assertEquals("127.0.0.1", SimulatorConfig.DEFAULTS.bindAddress().getHostAddress());
        assertEquals(Optional.empty(), SimulatorConfig.DEFAULTS.requiredApiKey());
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
                SimulatorConfig.DEFAULTS
                        .withBindAddress(InetAddress.getByName("::1"))
                        .bindAddress());
    }

    @Test
    void consumerConfigIsValidated() {
        var ok = BillPaymentConsumerConfig.defaults("localhost:9092");
        assertEquals("wallet.events", ok.topic());
        assertEquals("bill-payments", ok.groupId());
        assertEquals("wallet.events.dlq", ok.deadLetterTopic());
        assertThrows(IllegalArgumentException.class, () -> ok.withTopic(" ", "g"));
        assertThrows(IllegalArgumentException.class, () -> ok.withLimits(0, 3, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> ok.withLimits(10, 0, Duration.ofSeconds(1)));
        assertEquals(BillPaymentConsumerConfig.DEFAULT_MAX_DATABASE_CONCURRENCY, ok.maxDatabaseConcurrency());
        assertEquals(
                3,
                ok.withMaxDatabaseConcurrency(3)
                        .withTopic("t", "g")
                        .withLimits(5, 1, Duration.ofSeconds(1))
                        .withMaxRecordRetry(Duration.ofMinutes(1))
                        .maxDatabaseConcurrency());
        assertThrows(IllegalArgumentException.class, () -> ok.withMaxDatabaseConcurrency(0));
        assertThrows(
                IllegalArgumentException.class,
                () -> ok.withUnknownRetries(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMinutes(1)));
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
