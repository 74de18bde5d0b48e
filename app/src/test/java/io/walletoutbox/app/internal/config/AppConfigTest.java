package io.walletoutbox.app.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
                        "AUTH_ISSUER", "https://issuer.example",
                        "KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092",
                        "PROVIDER_BASE_URL", "http://biller:8081"),
                new String[0]);
        assertEquals("jdbc:postgresql://db:5432/wallet", c.databaseUrl().orElseThrow());
        assertEquals("k1:9092,k2:9092", c.kafkaBootstrapServers().orElseThrow());
        assertEquals("biller", c.providerBaseUrl().orElseThrow().getHost());
    }

    @Test
    void aMigrationUserNeedsAnExternalDatabaseAndMigrateNeedsNoIssuer() {
        assertMessage("DATABASE_MIGRATION_USER needs DATABASE_URL", Map.of("DATABASE_MIGRATION_USER", "wallet_owner"));
        assertMessage("AUDIT_RETENTION must be a duration", Map.of("AUDIT_RETENTION", "29d"));
        AppConfig migrate = AppConfig.loadForMigration(
                Map.of(
                        "DATABASE_URL", "jdbc:postgresql://db:5432/wallet",
                        "DATABASE_USER", "wallet_app",
                        "DATABASE_MIGRATION_USER", "wallet_owner",
                        "DATABASE_MIGRATION_PASSWORD", "owner-secret"),
                new String[0]);
        assertEquals("wallet_owner", migrate.databaseMigrationUser().orElseThrow());
        assertEquals("owner-secret", migrate.databaseMigrationPassword());
        assertTrue(!migrate.toString().contains("owner-secret"), migrate.toString());
        var embedded = assertThrows(ConfigException.class, () -> AppConfig.loadForMigration(Map.of(), new String[0]));
        assertTrue(embedded.getMessage().contains("migrate needs DATABASE_URL"), embedded.getMessage());
    }

    @Test
    void badValuesFailWithOneClearLine() {
        assertMessage("DATABASE_URL must be a JDBC URL", Map.of("DATABASE_URL", "postgres://x"));
        assertMessage("KAFKA_BOOTSTRAP_SERVERS must be host:port", Map.of("KAFKA_BOOTSTRAP_SERVERS", "nohost"));
        assertMessage("PROVIDER_BASE_URL must be an http(s) URL", Map.of("PROVIDER_BASE_URL", "ftp://x"));
        assertMessage("HTTP_PORT must be a port number", Map.of("HTTP_PORT", "70000"));
        assertMessage("ROLES must be a comma-separated subset", Map.of("ROLES", "api,cook"));
        assertMessage("RELAY_MODE must be polling or cdc", Map.of("RELAY_MODE", "push"));
        assertMessage("TOPIC_PROVISIONING must be create or verify", Map.of("TOPIC_PROVISIONING", "auto"));
        assertMessage("LOG_FORMAT must be text or json", Map.of("LOG_FORMAT", "xml"));
        assertMessage("IDEMPOTENCY_RETENTION_HOURS must be 1..720", Map.of("IDEMPOTENCY_RETENTION_HOURS", "0"));
        var unknown =
                assertThrows(ConfigException.class, () -> AppConfig.load(Map.of(), new String[] {"--colour=red"}));
        assertTrue(unknown.getMessage().startsWith("unknown option --colour"), unknown.getMessage());
    }

    @Test
    void topicsAreCreatedByDefaultAndOnlyRelayAndConsumerUseKafka() {
        AppConfig defaults = AppConfig.load(Map.of(), new String[0]);
        assertEquals(AppConfig.TopicProvisioning.CREATE, defaults.topicProvisioning());
        assertTrue(defaults.usesKafka());
        AppConfig api = AppConfig.load(Map.of("ROLES", "api", "TOPIC_PROVISIONING", "verify"), new String[0]);
        assertEquals(AppConfig.TopicProvisioning.VERIFY, api.topicProvisioning());
        assertFalse(api.usesKafka());
        assertTrue(
                AppConfig.load(Map.of("ROLES", "api,consumer"), new String[0]).usesKafka());
        assertTrue(AppConfig.load(Map.of("ROLES", "relay"), new String[0]).usesKafka());
    }

    @Test
    void relayProbeIntervalDefaultsToOneMillisecondAndZeroTurnsItOff() {
        assertEquals(
                java.time.Duration.ofMillis(1),
                AppConfig.load(Map.of(), new String[0]).relayProbeInterval());
        assertEquals(
                java.time.Duration.ZERO,
                AppConfig.load(Map.of("RELAY_PROBE_INTERVAL", "0ms"), new String[0])
                        .relayProbeInterval());
        assertMessage("RELAY_PROBE_INTERVAL must be at most 1s", Map.of("RELAY_PROBE_INTERVAL", "2s"));
        assertMessage("RELAY_PROBE_INTERVAL must be a duration", Map.of("RELAY_PROBE_INTERVAL", "fast"));
    }

    @Test
    void retentionIntervalDefaultsToTenMinutesAndIsBounded() {
        assertEquals(
                java.time.Duration.ofMinutes(10),
                AppConfig.load(Map.of(), new String[0]).retention().purgeInterval());
        assertEquals(
                java.time.Duration.ofSeconds(1),
                AppConfig.load(Map.of("RETENTION_INTERVAL", "1s"), new String[0])
                        .retention()
                        .purgeInterval());
        assertEquals(
                java.time.Duration.ofHours(24),
                AppConfig.load(Map.of("RETENTION_INTERVAL", "1h"), new String[] {"--retention-interval=24h"})
                        .retention()
                        .purgeInterval());
        assertMessage("RETENTION_INTERVAL must be a duration", Map.of("RETENTION_INTERVAL", "0s"));
        assertMessage("RETENTION_INTERVAL must be a duration", Map.of("RETENTION_INTERVAL", "999ms"));
        assertMessage("RETENTION_INTERVAL must be a duration", Map.of("RETENTION_INTERVAL", "-5m"));
        assertMessage("RETENTION_INTERVAL must be a duration", Map.of("RETENTION_INTERVAL", "often"));
        assertMessage("RETENTION_INTERVAL must be at most 24h", Map.of("RETENTION_INTERVAL", "25h"));
        assertMessage("RETENTION_INTERVAL must be at most 24h", Map.of("RETENTION_INTERVAL", "2d"));
    }

    @Test
    void ledgerAuditIntervalDefaultsToTenMinutesAndIsAtLeastOneSecond() {
        assertEquals(
                java.time.Duration.ofMinutes(10),
                AppConfig.load(Map.of(), new String[0]).ledgerAuditInterval());
        assertEquals(
                java.time.Duration.ofSeconds(30),
                AppConfig.load(Map.of(), new String[] {"--ledger-audit-interval=30s"})
                        .ledgerAuditInterval());
        assertMessage("LEDGER_AUDIT_INTERVAL must be a duration", Map.of("LEDGER_AUDIT_INTERVAL", "500ms"));
        assertMessage("LEDGER_AUDIT_INTERVAL must be a duration", Map.of("LEDGER_AUDIT_INTERVAL", "often"));
    }

    @Test
    void databasePoolSizeDefaultsTo24AndIsBounded() {
        assertEquals(24, AppConfig.load(Map.of(), new String[0]).databasePoolSize());
        assertEquals(
                8,
                AppConfig.load(Map.of("DATABASE_POOL_SIZE", "8"), new String[0]).databasePoolSize());
        assertEquals(
                6,
                AppConfig.load(Map.of(), new String[] {"--database-pool-size=6"})
                        .databasePoolSize());
        assertMessage("DATABASE_POOL_SIZE must be 4..1000", Map.of("DATABASE_POOL_SIZE", "3"));
        assertMessage("DATABASE_POOL_SIZE must be 4..1000", Map.of("DATABASE_POOL_SIZE", "many"));
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

    @Test
    void outsideEmbeddedModeTheIssuerAndTheBillerMustBeNamed() {
        assertMessage(
                "AUTH_ISSUER is required outside embedded mode",
                Map.of("DATABASE_URL", "jdbc:postgresql://db:5432/wallet", "PROVIDER_BASE_URL", "http://b:1"));
        assertMessage(
                "PROVIDER_BASE_URL is required outside embedded mode",
                Map.of("DATABASE_URL", "jdbc:postgresql://db:5432/wallet", "AUTH_ISSUER", "https://i.example"));
        // an instance without the consumer role calls no biller
        AppConfig api = AppConfig.load(
                Map.of(
                        "DATABASE_URL", "jdbc:postgresql://db:5432/wallet",
                        "AUTH_ISSUER", "https://i.example",
                        "ROLES", "api,relay"),
                new String[0]);
        assertTrue(api.providerBaseUrl().isEmpty());
        // embedded mode: the development issuer and the simulator
        AppConfig embedded = AppConfig.load(Map.of(), new String[0]);
        assertTrue(embedded.auth().issuer().isEmpty());
        assertEquals("wallet-api", embedded.auth().audience());
        assertEquals(9090, embedded.managementPort());
    }

    @Test
    void secretsComeFromFilesAndNeverShowInMessagesOrToString(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("db-password");
        java.nio.file.Files.writeString(file, "s3cr3t-from-file\n");
        AppConfig c = AppConfig.load(
                Map.of(
                        "DATABASE_URL", "jdbc:postgresql://db:5432/wallet?password=s3cr3t-in-url",
                        "DATABASE_PASSWORD_FILE", file.toString(),
                        "AUTH_ISSUER", "https://i.example",
                        "PROVIDER_BASE_URL", "http://b:1",
                        "PROVIDER_API_KEY", "s3cr3t-key"),
                new String[0]);
        assertEquals("s3cr3t-from-file", c.databasePassword());
        assertEquals("s3cr3t-key", c.providerApiKey().orElseThrow());
        assertTrue(!c.toString().contains("s3cr3t"), c.toString());
        var both = assertThrows(
                ConfigException.class,
                () -> AppConfig.load(
                        Map.of("DATABASE_PASSWORD", "x", "DATABASE_PASSWORD_FILE", file.toString()), new String[0]));
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
        var missing = assertThrows(
                ConfigException.class,
                () -> AppConfig.load(Map.of(), new String[] {
                    "--database-password-file", dir.resolve("none").toString()
                }));
        assertTrue(missing.getMessage().startsWith("DATABASE_PASSWORD_FILE names a file"), missing.getMessage());
        var url = assertThrows(
                ConfigException.class,
                () -> AppConfig.load(Map.of("DATABASE_URL", "postgres://h/db?password=s3cr3t-in-url"), new String[0]));
        assertTrue(!url.getMessage().contains("s3cr3t"), url.getMessage());
        assertThrows(ConfigException.class, () -> AppConfig.load(Map.of(), new String[] {"--http-port-file", "x"}));
    }

    @Test
    void limitsAndPortsAreChecked() {
        assertMessage("MANAGEMENT_PORT must be a port number", Map.of("MANAGEMENT_PORT", "-1"));
        assertMessage("RATE_LIMIT_PER_SECOND must be a whole number", Map.of("RATE_LIMIT_PER_SECOND", "0"));
        assertMessage("DAILY_PAYMENT_LIMIT must be a whole number", Map.of("DAILY_PAYMENT_LIMIT", "1.5"));
        assertMessage("AUTH_ISSUER must be an http(s) URL", Map.of("AUTH_ISSUER", "issuer"));
        assertMessage("Kafka security settings", Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"));
    }

    @Test
    void billersComeFromTheListAndTheirFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        AppConfig defaults = AppConfig.load(Map.of(), new String[0]);
        assertEquals(
                java.util.List.of("wifi", "power"),
                defaults.billers().stream().map(BillerSettings::id).toList());
        java.nio.file.Path file = dir.resolve("billers.properties");
        java.nio.file.Files.writeString(file, "power.api-key=s3cr3t-power\npower.key-retention=7d\nwifi.timeout=3s\n");
        AppConfig c = AppConfig.load(
                Map.of("BILLERS", "wifi=http://wifi:8081,power", "BILLERS_FILE", file.toString()), new String[0]);
        assertEquals("wifi", c.billers().get(0).id());
        assertEquals("wifi", c.billers().get(0).url().orElseThrow().getHost());
        assertEquals(
                java.time.Duration.ofSeconds(3), c.billers().get(0).timeout().orElseThrow());
        assertEquals("s3cr3t-power", c.billers().get(1).apiKey().orElseThrow());
        assertEquals(
                java.time.Duration.ofDays(7), c.billers().get(1).keyRetention().orElseThrow());
        assertTrue(!c.billers().toString().contains("s3cr3t"), c.billers().toString());
        assertMessage("BILLERS: 'Wi Fi' is not a biller id", Map.of("BILLERS", "Wi Fi"));
        assertMessage("BILLERS names 'wifi' twice", Map.of("BILLERS", "wifi,wifi"));
        java.nio.file.Files.writeString(file, "gas.url=http://gas:1\n");
        assertMessage(
                "BILLERS_FILE configures 'gas', which BILLERS does not list", Map.of("BILLERS_FILE", file.toString()));
    }
}
