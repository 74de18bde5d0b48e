package io.walletoutbox.app.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The edge settings as {@link AppConfig#load} reads them: issuer URLs, the management address, trusted proxies. */
class EdgeSettingsTest {
    private static final String DATABASE = "jdbc:postgresql://db:5432/wallet";

    @Test
    void outsideEmbeddedModeAnHttpIssuerOnAnotherHostStopsTheStart() {
        assertRefused("AUTH_ISSUER must be an https URL", "AUTH_ISSUER", "http://issuer.example:8099");
        assertRefused("AUTH_ISSUER must be an https URL", "AUTH_ISSUER", "http://10.0.0.5");
        assertRefused("AUTH_ISSUER must be an https URL", "AUTH_ISSUER", "http://localhost.example.com");
        assertRefused("AUTH_JWKS_URL must be an https URL", "AUTH_JWKS_URL", "http://keys.example/jwks");
    }

    @Test
    void httpsOrALoopbackHostIsAccepted() {
        for (String issuer : new String[] {
            "https://issuer.example",
            "http://localhost:8099",
            "http://127.0.0.1:8099",
            "http://127.1.2.3",
            "http://[::1]:8099"
        }) {
            AppConfig c = AppConfig.load(external("AUTH_ISSUER", issuer), new String[0]);
            assertEquals(issuer, c.auth().issuer().orElseThrow().toString());
        }
        AppConfig jwks = AppConfig.load(external("AUTH_JWKS_URL", "https://keys.example/jwks"), new String[0]);
        assertEquals("keys.example", jwks.auth().jwksUrl().orElseThrow().getHost());
    }

    @Test
    void inEmbeddedModeAnHttpIssuerIsTheDevelopersChoice() {
        AppConfig c = AppConfig.load(Map.of("AUTH_ISSUER", "http://issuer.example:8099"), new String[0]);
        assertTrue(c.auth().issuer().isPresent());
    }

    @Test
    void theManagementBindAddressIsAnIpLiteral() {
        assertEquals("", AppConfig.load(Map.of(), new String[0]).managementBindAddress());
        assertEquals(
                "127.0.0.1",
                AppConfig.load(Map.of("MANAGEMENT_BIND_ADDRESS", "127.0.0.1"), new String[0])
                        .managementBindAddress());
        assertEquals(
                "::1",
                AppConfig.load(Map.of("MANAGEMENT_BIND_ADDRESS", "::1"), new String[0])
                        .managementBindAddress());
        var e = assertThrows(
                ConfigException.class,
                () -> AppConfig.load(Map.of("MANAGEMENT_BIND_ADDRESS", "management.example"), new String[0]));
        assertTrue(e.getMessage().startsWith("MANAGEMENT_BIND_ADDRESS must be an IP address"), e.getMessage());
    }

    @Test
    void trustedProxiesAreCidrRanges() {
        AppConfig c = AppConfig.load(Map.of("TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8"), new String[0]);
        assertTrue(c.limits().trustedProxies().trusted("10.1.2.3"));
        assertTrue(c.limits().trustedProxies().trusted("fd00::1"));
        var e = assertThrows(
                ConfigException.class, () -> AppConfig.load(Map.of("TRUSTED_PROXIES", "10.0.0.0/33"), new String[0]));
        assertTrue(e.getMessage().startsWith("TRUSTED_PROXIES must be comma-separated CIDR ranges"), e.getMessage());
        assertThrows(
                ConfigException.class, () -> AppConfig.load(Map.of("TRUSTED_PROXIES", "ingress.local"), new String[0]));
    }

    private static Map<String, String> external(String name, String value) {
        Map<String, String> env = new HashMap<>(Map.of(
                "DATABASE_URL", DATABASE,
                "AUTH_ISSUER", "https://issuer.example",
                "PROVIDER_BASE_URL", "http://biller:8081"));
        env.put(name, value);
        return env;
    }

    private static void assertRefused(String message, String name, String value) {
        var e = assertThrows(ConfigException.class, () -> AppConfig.load(external(name, value), new String[0]));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line");
    }
}
