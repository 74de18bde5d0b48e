package io.walletoutbox.embedded.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The development issuer's HTTP endpoints: OpenID discovery, the JWKS and the client-credentials token endpoint.
 * Every answer is JSON; a bad request is a 400 with an RFC 6749 error object, never a 500.
 */
public final class IssuerEndpoints {
    public static final String DISCOVERY = "/.well-known/openid-configuration";
    public static final String JWKS = "/jwks";
    public static final String TOKEN = "/token";
    public static final List<String> SCOPES = List.of("wallet:fund", "wallet:admin");

    private static final Logger log = LoggerFactory.getLogger(IssuerEndpoints.class);
    private static final int MAX_BODY = 16 * 1024;
    private static final String JSON = "application/json; charset=utf-8";

    private final String issuer;
    private final Supplier<String> publicJwks;
    private final Function<TokenRequest, String> minter;

    /**
     * @param issuer the issuer URL, no trailing slash
     * @param publicJwks the JWK set to publish, public parts only, as JSON
     * @param minter signs a token for a validated request
     */
    public IssuerEndpoints(String issuer, Supplier<String> publicJwks, Function<TokenRequest, String> minter) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.publicJwks = Objects.requireNonNull(publicJwks, "publicJwks");
        this.minter = Objects.requireNonNull(minter, "minter");
    }

    /** Serves one exchange; the HTTP server's handler for {@code /}. */
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            try {
                switch (path) {
                    case DISCOVERY -> {
                        if (allow(exchange, "GET")) {
                            send(exchange, 200, JSONObjectUtils.toJSONString(discovery()), "max-age=300");
                        }
                    }
                    case JWKS -> {
                        if (allow(exchange, "GET")) {
                            send(exchange, 200, publicJwks.get(), "max-age=300");
                        }
                    }
                    case TOKEN -> {
                        if (allow(exchange, "POST")) {
                            token(exchange);
                        }
                    }
                    default -> error(exchange, 404, "not_found", "no such endpoint; see " + issuer + DISCOVERY);
                }
            } catch (TokenRequest.Invalid e) {
                error(exchange, 400, e.error(), e.getMessage());
            } catch (RuntimeException e) {
                log.error("development issuer failed on {} {}", method, path, e);
                error(exchange, 500, "server_error", "the issuer failed; see its log");
            }
        }
    }

    private Map<String, Object> discovery() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", issuer);
        doc.put("jwks_uri", issuer + JWKS);
        doc.put("token_endpoint", issuer + TOKEN);
        doc.put("grant_types_supported", List.of("client_credentials"));
        doc.put("response_types_supported", List.of("token"));
        doc.put("subject_types_supported", List.of("public"));
        doc.put("id_token_signing_alg_values_supported", List.of("RS256"));
        doc.put("token_endpoint_auth_methods_supported", List.of("none"));
        doc.put("scopes_supported", SCOPES);
        return doc;
    }

    private void token(HttpExchange exchange) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null
                || !type.toLowerCase(Locale.ROOT)
                        .split(";", 2)[0]
                        .strip()
                        .equals("application/x-www-form-urlencoded")) {
            throw new TokenRequest.Invalid(
                    "invalid_request", "send the parameters as application/x-www-form-urlencoded");
        }
        TokenRequest request = TokenRequest.parseForm(readBody(exchange));
        String token = minter.apply(request);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", token);
        answer.put("token_type", "Bearer");
        answer.put("expires_in", request.ttl().toSeconds());
        answer.put("scope", String.join(" ", request.scopes()));
        exchange.getResponseHeaders().set("Pragma", "no-cache");
        send(exchange, 200, JSONObjectUtils.toJSONString(answer), "no-store");
    }

    private static String readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                throw new TokenRequest.Invalid("invalid_request", "the request body exceeds " + MAX_BODY + " bytes");
            }
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static boolean allow(HttpExchange exchange, String method) throws IOException {
        if (exchange.getRequestMethod().equals(method)) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", method);
        error(exchange, 405, "invalid_request", "use " + method);
        return false;
    }

    private static void error(HttpExchange exchange, int status, String error, String description) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", description);
        send(exchange, status, JSONObjectUtils.toJSONString(body), "no-store");
    }

    private static void send(HttpExchange exchange, int status, String json, String cacheControl) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", JSON);
        exchange.getResponseHeaders().set("Cache-Control", cacheControl);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
