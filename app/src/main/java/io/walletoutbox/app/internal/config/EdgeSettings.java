package io.walletoutbox.app.internal.config;

import io.walletoutbox.app.internal.auth.TrustedProxies;
import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;

/**
 * The settings of the service's edges: where the management port listens, whose {@code X-Forwarded-For} is
 * believed, and which issuer URLs are acceptable outside embedded mode (https, unless the host is loopback: a token
 * key set fetched over plain http from another host can be replaced by anyone on the path).
 */
public final class EdgeSettings {
    private EdgeSettings() {}

    /** {@code value} as an IP literal to bind to; empty (every address) stays empty. */
    static String bindAddress(Setting setting, String value) {
        if (value.isEmpty()) {
            return value;
        }
        try {
            InetAddress.ofLiteral(value);
            return value;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    setting + " must be an IP address such as 127.0.0.1, 0.0.0.0 or ::, was '" + value + "'");
        }
    }

    static TrustedProxies trustedProxies(String value) {
        try {
            return TrustedProxies.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("TRUSTED_PROXIES must be comma-separated CIDR ranges: " + e.getMessage());
        }
    }

    /**
     * Refuses {@code url} unless it is https or its host is loopback ({@code localhost}, {@code 127.0.0.0/8},
     * {@code ::1}); names are not resolved.
     *
     * @param what the setting or the document field the URL came from, for the message
     * @throws ConfigException saying so in one line
     */
    public static void requireHttps(String what, URI url) {
        if ("https".equalsIgnoreCase(url.getScheme()) || isLoopback(url)) {
            return;
        }
        throw new ConfigException(what + " must be an https URL outside embedded mode (plain http only on loopback),"
                + " was '" + url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + "'");
    }

    /** True when {@code url}'s host is loopback by its name or its literal address. */
    static boolean isLoopback(URI url) {
        String host = url.getHost();
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) {
            return true;
        }
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        try {
            return InetAddress.ofLiteral(h).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
