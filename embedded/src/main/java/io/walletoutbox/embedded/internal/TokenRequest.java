package io.walletoutbox.embedded.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A validated client-credentials token request (RFC 6749 section 4.4) to the development issuer.
 *
 * @param clientId the client, which becomes the token's {@code sub}: 1 to 255 visible ASCII characters
 * @param scopes the requested scopes (RFC 6749 scope tokens), in request order, possibly empty
 * @param audience the token's audience: 1 to 255 visible ASCII characters
 * @param ttl the token's lifetime: 1 second to 1 day
 */
public record TokenRequest(String clientId, Set<String> scopes, String audience, Duration ttl) {
    public static final String DEFAULT_AUDIENCE = "wallet-api";
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    public static final Duration MAX_TTL = Duration.ofDays(1);
    private static final int MAX_LENGTH = 255;

    public TokenRequest {
        requireVisible(clientId, "client_id");
        requireVisible(audience, "audience");
        Objects.requireNonNull(scopes, "scopes");
        scopes = Collections.unmodifiableSet(new LinkedHashSet<>(scopes));
        for (String scope : scopes) {
            requireScopeToken(scope);
        }
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new Invalid(
                    "invalid_request", "expires_in must be between 1 and " + MAX_TTL.toSeconds() + " seconds");
        }
    }

    /** A request the issuer refuses, with its RFC 6749 error code and a description for the client. */
    public static final class Invalid extends RuntimeException {
        private final String error;

        public Invalid(String error, String description) {
            super(description, null, false, false);
            this.error = error;
        }

        /** The RFC 6749 section 5.2 error code. */
        public String error() {
            return error;
        }
    }

    /**
     * Parses an {@code application/x-www-form-urlencoded} body.
     *
     * @throws Invalid {@code unsupported_grant_type} for a grant other than {@code client_credentials}, {@code
     *     invalid_request} for anything else wrong (a missing, repeated or malformed parameter)
     */
    public static TokenRequest parseForm(String body) {
        Map<String, String> form = decode(body);
        String grantType = form.get("grant_type");
        if (grantType == null || grantType.isEmpty()) {
            throw new Invalid("invalid_request", "grant_type is required");
        }
        if (!grantType.equals("client_credentials")) {
            throw new Invalid("unsupported_grant_type", "only grant_type=client_credentials is supported");
        }
        String clientId = form.get("client_id");
        if (clientId == null || clientId.isEmpty()) {
            throw new Invalid("invalid_request", "client_id is required; it becomes the token's subject");
        }
        Set<String> scopes = new LinkedHashSet<>();
        String scope = form.getOrDefault("scope", "");
        for (String token : scope.split(" ")) {
            if (!token.isEmpty()) {
                scopes.add(token);
            }
        }
        String audience = form.getOrDefault("audience", DEFAULT_AUDIENCE);
        Duration ttl = DEFAULT_TTL;
        String expiresIn = form.get("expires_in");
        if (expiresIn != null) {
            if (!expiresIn.matches("[0-9]{1,6}")) {
                throw new Invalid(
                        "invalid_request",
                        "expires_in must be a whole number of seconds between 1 and " + MAX_TTL.toSeconds());
            }
            ttl = Duration.ofSeconds(Long.parseLong(expiresIn));
        }
        return new TokenRequest(clientId, scopes, audience, ttl);
    }

    /** Decodes a form body; every parameter at most once (RFC 6749 section 3.2). */
    private static Map<String, String> decode(String body) {
        Map<String, String> form = new HashMap<>();
        if (body.isEmpty()) {
            return form;
        }
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name;
            String value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new Invalid("invalid_request", "the form body is not valid application/x-www-form-urlencoded");
            }
            if (form.put(name, value) != null) {
                throw new Invalid("invalid_request", "parameter " + printable(name) + " is repeated");
            }
        }
        return form;
    }

    private static void requireVisible(String value, String name) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
            throw new Invalid("invalid_request", name + " must have 1 to " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new Invalid(
                        "invalid_request", name + " may hold only visible ASCII characters (no spaces or controls)");
            }
        }
    }

    /** RFC 6749 section 3.3: scope-token = 1*NQCHAR (%x21 / %x23-5B / %x5D-7E). */
    private static void requireScopeToken(String scope) {
        if (scope == null || scope.isEmpty() || scope.length() > MAX_LENGTH) {
            throw new Invalid("invalid_request", "each scope must have 1 to " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < scope.length(); i++) {
            char c = scope.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
                throw new Invalid(
                        "invalid_request",
                        "scope holds a character RFC 6749 does not allow (scopes are separated by single spaces)");
            }
        }
    }

    private static String printable(String name) {
        String cut = name.length() > 40 ? name.substring(0, 40) : name;
        return cut.replaceAll("[^\\x21-\\x7e]", "?");
    }
}
