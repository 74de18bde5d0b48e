package io.walletoutbox.app.internal.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/**
 * Reads an issuer's OpenID Connect discovery document ({@code /.well-known/openid-configuration}). Documents (and
 * key sets, see {@link TokenVerifier}) are read up to {@link #MAX_BODY_BYTES}: a larger one is refused, never held
 * in memory.
 */
public final class OidcDiscovery {
    /** The largest discovery document or key set read from an issuer. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private OidcDiscovery() {}

    /** Raised when the issuer cannot be reached or its document is not usable; the message says which. */
    public static final class DiscoveryException extends RuntimeException {
        DiscoveryException(String message) {
            super(message);
        }
    }

    /**
     * The issuer's {@code jwks_uri}, retrying until {@code patience} has passed. The document's {@code issuer} must
     * equal {@code issuer} exactly (OpenID Connect Discovery 1.0, section 4.3).
     */
    public static URI jwksUri(String issuer, Duration patience) {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        URI document = URI.create(base + "/.well-known/openid-configuration");
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        Instant deadline = Instant.now().plus(patience);
        String lastProblem;
        while (true) {
            try {
                HttpResponse<InputStream> response = http.send(
                        HttpRequest.newBuilder(document)
                                .timeout(Duration.ofSeconds(3))
                                .header("Accept", "application/json")
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                byte[] body;
                try (InputStream in = response.body()) {
                    body = in.readNBytes(MAX_BODY_BYTES + 1);
                }
                if (response.statusCode() != 200) {
                    lastProblem = "answered " + response.statusCode();
                } else if (body.length > MAX_BODY_BYTES) {
                    throw new DiscoveryException("the discovery document at " + document + " is larger than "
                            + MAX_BODY_BYTES / 1024 + " KiB");
                } else {
                    JsonNode json = new ObjectMapper().readTree(body);
                    String declared = json.path("issuer").asText("");
                    if (!declared.equals(issuer)) {
                        throw new DiscoveryException("the discovery document at " + document + " names issuer '"
                                + declared + "', not AUTH_ISSUER '" + issuer + "'");
                    }
                    String jwks = json.path("jwks_uri").asText("");
                    if (jwks.isEmpty()) {
                        throw new DiscoveryException("the discovery document at " + document + " has no jwks_uri");
                    }
                    return URI.create(jwks);
                }
            } catch (IOException e) {
                lastProblem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DiscoveryException("interrupted while reading " + document);
            } catch (IllegalArgumentException e) {
                throw new DiscoveryException("the discovery document at " + document + " is not usable");
            }
            if (Instant.now().isAfter(deadline)) {
                throw new DiscoveryException(
                        "cannot read the OIDC discovery document at " + document + " (" + lastProblem + ")");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DiscoveryException("interrupted while reading " + document);
            }
        }
    }
}
