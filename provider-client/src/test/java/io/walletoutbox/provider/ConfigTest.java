package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

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
