package io.walletoutbox.app.internal.runtime;

import io.walletoutbox.app.internal.auth.OidcDiscovery;
import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.config.ConfigException;
import io.walletoutbox.app.internal.config.EdgeSettings;
import java.net.URI;
import java.time.Duration;

/** The issuer whose tokens this instance accepts; {@code development} when it runs it itself. */
record Issuer(String url, URI jwks, boolean development) {

    /**
     * The issuer whose tokens are accepted: {@code AUTH_ISSUER} (keys from {@code AUTH_JWKS_URL} or its discovery
     * document), or, in embedded mode without one, a development issuer on loopback with its keys in {@code
     * DATA_DIR/issuer}. Tokens of either are validated the same way, through the JWKS.
     */
    static Issuer resolve(AppConfig config, Closer closer) {
        String url;
        boolean development = config.auth().issuer().isEmpty();
        if (development) {
            url = EmbeddedServers.startDevIssuer(config.dataDir().resolve("issuer"), closer);
        } else {
            url = config.auth().issuer().get().toString();
        }
        try {
            URI jwks = config.auth().jwksUrl().orElseGet(() -> OidcDiscovery.jwksUri(url, Duration.ofSeconds(15)));
            if (config.external()) {
                EdgeSettings.requireHttps("the jwks_uri in the discovery document of AUTH_ISSUER", jwks);
            }
            return new Issuer(url, jwks, development);
        } catch (OidcDiscovery.DiscoveryException e) {
            throw new StartupException("AUTH_ISSUER: " + e.getMessage(), e);
        } catch (ConfigException e) {
            throw StartupException.misconfiguration(e.getMessage());
        }
    }
}
