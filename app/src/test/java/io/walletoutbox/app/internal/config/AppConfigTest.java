package io.walletoutbox.app.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AppConfigTest {

    @Test
    void defaultsMeanEverythingEmbeddedAndAllRoles() {
        AppConfig c = AppConfig.load(Map.of(), new String[0]);
        assertTrue(c.databaseUrl().isEmpty());
        assertTrue(c.kafkaBootstrapServers().isEmpty());
        assertTrue(c.providerBaseUrl().isEmpty());
        assertEquals(8080, c.httpPort());
        assertEquals(Set.of(AppConfig.Role.API, AppConfig.Role.RELAY, AppConfig.Role.CONSUMER), c.roles());
        assertEquals(AppConfig.RelayMode.POLLING, c.relayMode());
        assertEquals("wallet.events", c.eventsTopic());
        assertEquals(java.time.Duration.ofHours(24), c.idempotencyRetention());
    }

    @Test
    void flagsOverrideEnvironment() {
        AppConfig c = AppConfig.load(
                Map.of("HTTP_PORT", "9000", "ROLES", "api"),
                new String[] {"--http-port", "9100", "--roles=relay,consumer"});
        assertEquals(9100, c.httpPort());
        assertEquals(Set.of(AppConfig.Role.RELAY, AppConfig.Role.CONSUMER), c.roles());
    }

    @Test
    void externalAddressesAreRead() {
        AppConfig c = AppConfig.load(
                Map.of(
                        "DATABASE_URL", "jdbc:postgresql://db:5432/wallet",
                        "KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092",
                        "PROVIDER_BASE_URL", "http://biller:8081"),
                new String[0]);
        assertEquals("jdbc:postgresql://db:5432/wallet", c.databaseUrl().orElseThrow());
        assertEquals("k1:9092,k2:9092", c.kafkaBootstrapServers().orElseThrow());
        assertEquals("biller", c.providerBaseUrl().orElseThrow().getHost());
    }

    @Test
    void badValuesFailWithOneClearLine() {
        assertMessage("DATABASE_URL must be a JDBC URL", Map.of("DATABASE_URL", "postgres://x"));
        assertMessage("KAFKA_BOOTSTRAP_SERVERS must be host:port", Map.of("KAFKA_BOOTSTRAP_SERVERS", "nohost"));
        assertMessage("PROVIDER_BASE_URL must be an http(s) URL", Map.of("PROVIDER_BASE_URL", "ftp://x"));
        assertMessage("HTTP_PORT must be a port number", Map.of("HTTP_PORT", "70000"));
        assertMessage("ROLES must be a comma-separated subset", Map.of("ROLES", "api,cook"));
        assertMessage("RELAY_MODE must be polling or cdc", Map.of("RELAY_MODE", "push"));
        assertMessage("LOG_FORMAT must be text or json", Map.of("LOG_FORMAT", "xml"));
        assertMessage("IDEMPOTENCY_RETENTION_HOURS must be 1..720", Map.of("IDEMPOTENCY_RETENTION_HOURS", "0"));
        var unknown =
                assertThrows(ConfigException.class, () -> AppConfig.load(Map.of(), new String[] {"--colour=red"}));
        assertTrue(unknown.getMessage().startsWith("unknown option --colour"), unknown.getMessage());
    }

    @Test
    void passwordsNeverAppearInErrors() {
        var e = assertThrows(
                ConfigException.class,
                () -> AppConfig.load(Map.of("DATABASE_URL", "jdbc:mysql://h/db?password=hunter2"), new String[0]));
        assertTrue(!e.getMessage().contains("hunter2"), e.getMessage());
    }

    private static void assertMessage(String expected, Map<String, String> env) {
        var e = assertThrows(ConfigException.class, () -> AppConfig.load(env, new String[0]));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }
}
