package io.walletoutbox.provider.internal;

import com.sun.net.httpserver.HttpExchange;
import io.walletoutbox.provider.SimulatorConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/** The simulator's API key on the payment routes: required or not, changeable at runtime, never shown. */
final class SimulatorAuth {
    private final SimulatorConfig config;
    // Only the key's SHA-256 is kept: comparing digests takes the same time whatever the presented key (length
    // included), and the key itself is never held where a heap dump or a toString could show it.
    private volatile Optional<byte[]> requiredKeyDigest;

    SimulatorAuth(SimulatorConfig config) {
        this.config = config;
        this.requiredKeyDigest = config.requiredApiKey().map(SimulatorAuth::sha256);
    }

    boolean required() {
        return requiredKeyDigest.isPresent();
    }

    void require(Optional<String> key) {
        Objects.requireNonNull(key, "key");
        // The same rules as a configured key; the message never shows it.
        requiredKeyDigest =
                config.toBuilder().requiredApiKey(key).build().requiredApiKey().map(SimulatorAuth::sha256);
    }

    /**
     * True when no key is required or the request carries {@code Authorization: Bearer <the key>}; otherwise
     * answers {@code 401} with {@code WWW-Authenticate: Bearer} (RFC 6750) and returns false. Nothing is charged.
     */
    boolean authorized(HttpExchange ex) throws IOException {
        Optional<byte[]> required = requiredKeyDigest;
        if (required.isEmpty()) {
            return true;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header == null || header.isBlank()) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"biller\"");
            SimulatorHttp.problem(ex, 401, "Unauthorized", "an API key is required: Authorization: Bearer <key>");
            return false;
        }
        String h = header.strip();
        boolean bearer =
                h.length() > 7 && h.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ");
        byte[] presented = sha256(bearer ? h.substring(7).strip() : "");
        if (!bearer || !MessageDigest.isEqual(presented, required.get())) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"biller\", error=\"invalid_token\"");
            SimulatorHttp.problem(ex, 401, "Unauthorized", "the API key is not valid");
            return false;
        }
        return true;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
