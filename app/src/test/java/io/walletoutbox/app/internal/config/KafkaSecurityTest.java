package io.walletoutbox.app.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSecurityTest {
    private static final String SECRET = "s3cr3t-Pa55";
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"wallet\" password=\"" + SECRET + "\";";

    private static KafkaSecurity load(Map<String, String> settings) {
        return KafkaSecurity.load(name -> Optional.ofNullable(settings.get(name)));
    }

    private static ConfigException refused(Map<String, String> settings) {
        var e = assertThrows(ConfigException.class, () -> load(settings));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void nothingSetMeansNoClientProperties() {
        KafkaSecurity security = load(Map.of("KAFKA_SECURITY_PROTOCOL", "  "));
        assertEquals(Map.of(), security.clientProperties());
        assertEquals("PLAINTEXT", security.securityProtocol());
        assertEquals(KafkaSecurity.NONE, security);
    }

    @Test
    void saslScramSettingsBecomeClientProperties() {
        KafkaSecurity security = load(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "sasl_plaintext",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-256",
                "KAFKA_SASL_JAAS_CONFIG", JAAS));
        assertEquals(
                Map.of(
                        "security.protocol",
                        "SASL_PLAINTEXT",
                        "sasl.mechanism",
                        "SCRAM-SHA-256",
                        "sasl.jaas.config",
                        JAAS),
                security.clientProperties());
        assertEquals("SASL_PLAINTEXT", security.securityProtocol());
    }

    @Test
    void toStringRedactsEverySecret(@TempDir Path dir) throws Exception {
        Path store = Files.writeString(dir.resolve("trust.p12"), "not really a store");
        Path file = Files.writeString(
                dir.resolve("client.properties"), "sasl.oauthbearer.client.credentials.client.secret=" + SECRET + "\n");
        KafkaSecurity security = load(Map.of(
                "KAFKA_SECURITY_PROTOCOL",
                "SASL_SSL",
                "KAFKA_SASL_MECHANISM",
                "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG",
                JAAS,
                "KAFKA_SSL_TRUSTSTORE_LOCATION",
                store.toString(),
                "KAFKA_SSL_TRUSTSTORE_PASSWORD",
                SECRET,
                "KAFKA_SSL_KEYSTORE_LOCATION",
                store.toString(),
                "KAFKA_SSL_KEYSTORE_PASSWORD",
                SECRET,
                "KAFKA_SSL_KEY_PASSWORD",
                SECRET,
                "KAFKA_CLIENT_PROPERTIES_FILE",
                file.toString()));
        String shown = security.toString();
        assertFalse(shown.contains(SECRET), shown);
        assertTrue(shown.contains("sasl.mechanism=SCRAM-SHA-512"), shown);
        assertTrue(shown.contains("ssl.truststore.location=" + store), shown);
        assertTrue(shown.contains("ssl.key.password=(redacted)"), shown);
        assertEquals(SECRET, security.clientProperties().get("ssl.keystore.password"));
    }

    @Test
    void propertiesFileAppliesFirstAndExplicitSettingsWin(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("client.properties"), """
                security.protocol=SASL_PLAINTEXT
                sasl.mechanism=PLAIN
                sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
                    username="file" password="file-pass";
                client.dns.lookup=use_all_dns_ips
                """);
        KafkaSecurity fromFile = load(Map.of("KAFKA_CLIENT_PROPERTIES_FILE", file.toString()));
        assertEquals("PLAIN", fromFile.clientProperties().get("sasl.mechanism"));
        assertEquals("use_all_dns_ips", fromFile.clientProperties().get("client.dns.lookup"));
        assertTrue(fromFile.properties().get("sasl.jaas.config").endsWith("password=\"file-pass\";"));

        KafkaSecurity overridden = load(Map.of(
                "KAFKA_CLIENT_PROPERTIES_FILE",
                file.toString(),
                "KAFKA_SASL_MECHANISM",
                "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG",
                JAAS));
        assertEquals("SCRAM-SHA-512", overridden.clientProperties().get("sasl.mechanism"));
        assertEquals(JAAS, overridden.clientProperties().get("sasl.jaas.config"));
        assertEquals("SASL_PLAINTEXT", overridden.securityProtocol());
    }

    @Test
    void unknownProtocolIsRefused() {
        var e = refused(Map.of("KAFKA_SECURITY_PROTOCOL", "TLS"));
        assertEquals("KAFKA_SECURITY_PROTOCOL must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL", e.getMessage());
    }

    @Test
    void saslWithoutJaasConfigOrMechanismIsRefused() {
        var noJaas = refused(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"));
        assertTrue(
                noJaas.getMessage().startsWith("KAFKA_SASL_JAAS_CONFIG (or KAFKA_SASL_JAAS_CONFIG_FILE) must be set"));
        var noMechanism = refused(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_JAAS_CONFIG", JAAS));
        assertTrue(noMechanism.getMessage().startsWith("KAFKA_SASL_MECHANISM must be set"));
    }

    @Test
    void malformedJaasConfigIsRefusedWithoutEchoingIt() {
        var settings = new HashMap<>(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "PLAIN"));
        settings.put("KAFKA_SASL_JAAS_CONFIG", "username=wallet password=" + SECRET);
        assertTrue(refused(settings).getMessage().startsWith("KAFKA_SASL_JAAS_CONFIG must be a JAAS line"));
        settings.put("KAFKA_SASL_JAAS_CONFIG", JAAS.substring(0, JAAS.length() - 1)); // no final ';'
        assertTrue(refused(settings).getMessage().startsWith("KAFKA_SASL_JAAS_CONFIG must be a JAAS line"));
        settings.put("KAFKA_SASL_MECHANISM", SECRET + "!");
        settings.put("KAFKA_SASL_JAAS_CONFIG", JAAS);
        assertTrue(refused(settings).getMessage().startsWith("KAFKA_SASL_MECHANISM must be a SASL mechanism name"));
    }

    @Test
    void saslSettingsWithoutSaslProtocolAreRefused() {
        var e = refused(Map.of("KAFKA_SASL_MECHANISM", "PLAIN", "KAFKA_SASL_JAAS_CONFIG", JAAS));
        assertTrue(e.getMessage().contains("the security protocol is PLAINTEXT"), e.getMessage());
    }

    @Test
    void missingStoreIsRefusedNamingItsPath(@TempDir Path dir) {
        Path missing = dir.resolve("absent.p12");
        var e = refused(Map.of(
                "KAFKA_SECURITY_PROTOCOL",
                "SSL",
                "KAFKA_SSL_TRUSTSTORE_LOCATION",
                missing.toString(),
                "KAFKA_SSL_TRUSTSTORE_PASSWORD",
                SECRET));
        assertEquals("KAFKA_SSL_TRUSTSTORE_LOCATION: no readable file at " + missing, e.getMessage());
        var keystore = refused(Map.of(
                "KAFKA_SECURITY_PROTOCOL",
                "SASL_SSL",
                "KAFKA_SASL_MECHANISM",
                "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG",
                JAAS,
                "KAFKA_SSL_KEYSTORE_LOCATION",
                missing.toString()));
        assertTrue(keystore.getMessage().startsWith("KAFKA_SSL_KEYSTORE_LOCATION: no readable file"));
    }

    @Test
    void storeWithoutSslProtocolIsRefused(@TempDir Path dir) throws Exception {
        Path store = Files.writeString(dir.resolve("trust.p12"), "x");
        var e = refused(Map.of("KAFKA_SSL_TRUSTSTORE_LOCATION", store.toString()));
        assertTrue(e.getMessage().startsWith("KAFKA_SSL_TRUSTSTORE_LOCATION is set but the security protocol is"));
    }

    @Test
    void badPropertiesFileIsRefusedAndItsSettingsNamedByProperty(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("none.properties");
        assertEquals(
                "KAFKA_CLIENT_PROPERTIES_FILE: no readable file at " + missing,
                refused(Map.of("KAFKA_CLIENT_PROPERTIES_FILE", missing.toString()))
                        .getMessage());
        Path file = Files.writeString(
                dir.resolve("c.properties"), "security.protocol=SASL_SSL\nsasl.jaas.config=" + JAAS + "\n");
        // The mechanism is missing: the message names the setting to add.
        assertTrue(refused(Map.of("KAFKA_CLIENT_PROPERTIES_FILE", file.toString()))
                .getMessage()
                .startsWith("KAFKA_SASL_MECHANISM must be set"));
        Path wrong = Files.writeString(dir.resolve("w.properties"), "security.protocol=" + SECRET + "\n");
        assertEquals(
                "security.protocol in KAFKA_CLIENT_PROPERTIES_FILE must be one of PLAINTEXT, SSL, SASL_PLAINTEXT,"
                        + " SASL_SSL",
                refused(Map.of("KAFKA_CLIENT_PROPERTIES_FILE", wrong.toString()))
                        .getMessage());
    }

    @Test
    void everySettingIsDescribedAndSecretsAreListed() {
        for (String name : KafkaSecurity.SETTINGS) {
            assertFalse(KafkaSecurity.description(name).isBlank(), name);
        }
        assertTrue(KafkaSecurity.SETTINGS.containsAll(KafkaSecurity.SECRET_SETTINGS));
        assertTrue(KafkaSecurity.SECRET_SETTINGS.contains("KAFKA_SASL_JAAS_CONFIG"));
        assertFalse(KafkaSecurity.SECRET_SETTINGS.contains("KAFKA_SSL_TRUSTSTORE_LOCATION"));
    }
}
