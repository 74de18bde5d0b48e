package io.walletoutbox.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.DevIssuer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens for the ops tools, cached per subject and scopes until a minute before they expire. Either minted
 * in-process by a {@link DevIssuer} the tool runs itself (the chaos suite), or fetched from an OAuth 2.0 token
 * endpoint with the {@code client_credentials} grant ({@code client_id} = the subject, which the development
 * issuer turns into the token's {@code sub}). Thread-safe.
 *
 * <p>{@link #fromEnvironment(Path)} picks the endpoint: {@code AUTH_TOKEN_URL} when set, else the {@code
 * token_endpoint} of {@code AUTH_ISSUER}'s discovery document, else that of the issuer named in the given {@code
 * issuer-url} file (written by the service's development issuer in {@code DATA_DIR/issuer}). {@code
 * AUTH_CLIENT_SECRET}, when set, is sent as HTTP Basic client authentication (a real issuer needs it; the
 * development issuer ignores it).
 */
public final class Tokens {
    /** The scope of a funding service: may top up any wallet. */
    public static final String FUND = "wallet:fund";
    /** The scope of an operator: the {@code /admin/*} routes of the management port. */
    public static final String ADMIN = "wallet:admin";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REFRESH_BEFORE_EXPIRY = Duration.ofMinutes(1);

    /** How a token is obtained: for a subject and its scopes, the token and when it expires. */
    @FunctionalInterface
    private interface Source {
        Issued issue(String subject, Set<String> scopes) throws IOException, InterruptedException;
    }

    private record Issued(String token, Instant expires) {}

    private final Source source;
    private final String description;
    private final Map<String, Issued> cache = new ConcurrentHashMap<>();

    private Tokens(Source source, String description) {
        this.source = source;
        this.description = description;
    }

    /** Tokens minted by {@code issuer} in this process, valid for an hour. */
    public static Tokens minting(DevIssuer issuer) {
        Objects.requireNonNull(issuer, "issuer");
        Duration ttl = Duration.ofHours(1);
        return new Tokens(
                (subject, scopes) -> new Issued(
                        issuer.mint(subject, scopes, ttl), Instant.now().plus(ttl)),
                "development issuer " + issuer.issuer() + " (in-process)");
    }

    /** Tokens from the {@code client_credentials} grant of {@code tokenEndpoint}. */
    public static Tokens endpoint(URI tokenEndpoint, Optional<String> clientSecret) {
        Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        return new Tokens(
                (subject, scopes) -> {
                    String form = "grant_type=client_credentials&client_id=" + encode(subject)
                            + (scopes.isEmpty() ? "" : "&scope=" + encode(String.join(" ", scopes)));
                    var request = HttpRequest.newBuilder(tokenEndpoint)
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .header("Accept", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(form));
                    clientSecret.ifPresent(secret -> request.header(
                            "Authorization",
                            "Basic "
                                    + Base64.getEncoder()
                                            .encodeToString((encode(subject) + ":" + encode(secret))
                                                    .getBytes(StandardCharsets.UTF_8))));
                    var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                    JsonNode body = JSON.readTree(response.body());
                    String token = body.path("access_token").asText("");
                    if (response.statusCode() != 200 || token.isEmpty()) {
                        throw new IllegalStateException("the token endpoint " + tokenEndpoint + " answered "
                                + response.statusCode() + " for " + subject + ": "
                                + body.path("error_description")
                                        .asText(body.path("error").asText("")));
                    }
                    long seconds = body.path("expires_in").asLong(300);
                    return new Issued(token, Instant.now().plusSeconds(seconds));
                },
                "token endpoint " + tokenEndpoint);
    }

    /** Tokens from the token endpoint named in {@code issuer}'s OpenID discovery document. */
    public static Tokens discover(String issuer, Optional<String> clientSecret) throws IOException {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        URI document = URI.create(base + "/.well-known/openid-configuration");
        try {
            var response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(document)
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            String endpoint = response.statusCode() == 200
                    ? JSON.readTree(response.body()).path("token_endpoint").asText("")
                    : "";
            if (endpoint.isEmpty()) {
                throw new IOException(document + " names no token_endpoint (HTTP " + response.statusCode() + ")");
            }
            return endpoint(URI.create(endpoint), clientSecret);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading " + document, e);
        }
    }

    /**
     * The endpoint the environment names ({@code AUTH_TOKEN_URL}, else {@code AUTH_ISSUER}), else the issuer whose
     * URL is in {@code issuerUrlFile} (may be null).
     *
     * @throws IOException when none is configured or the issuer's discovery document cannot be read
     */
    public static Tokens fromEnvironment(Path issuerUrlFile) throws IOException {
        Optional<String> secret = env("AUTH_CLIENT_SECRET");
        Optional<String> tokenUrl = env("AUTH_TOKEN_URL");
        if (tokenUrl.isPresent()) {
            return endpoint(URI.create(tokenUrl.get()), secret);
        }
        Optional<String> issuer = env("AUTH_ISSUER");
        if (issuer.isEmpty() && issuerUrlFile != null && Files.isReadable(issuerUrlFile)) {
            issuer = Optional.of(Files.readString(issuerUrlFile).strip()).filter(s -> !s.isEmpty());
        }
        if (issuer.isEmpty()) {
            throw new IOException("no token issuer: set AUTH_TOKEN_URL or AUTH_ISSUER"
                    + (issuerUrlFile == null ? "" : ", or run the service so it writes " + issuerUrlFile));
        }
        return discover(issuer.get(), secret);
    }

    /** A valid token for {@code subject} with exactly {@code scopes} (none: a user's token). */
    public String token(String subject, String... scopes) {
        Set<String> set = new TreeSet<>(Set.of(scopes));
        String key = subject + "\u0000" + String.join(" ", set);
        Issued cached = cache.get(key);
        if (cached != null && Instant.now().plus(REFRESH_BEFORE_EXPIRY).isBefore(cached.expires())) {
            return cached.token();
        }
        try {
            Issued issued = source.issue(subject, set);
            cache.put(key, issued);
            return issued.token();
        } catch (IOException e) {
            throw new IllegalStateException("cannot get a token for " + subject + " from " + description + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted getting a token", e);
        }
    }

    /** {@code "Bearer " + token(subject, scopes)}, the value of an Authorization header. */
    public String bearer(String subject, String... scopes) {
        return "Bearer " + token(subject, scopes);
    }

    @Override
    public String toString() {
        return description;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).map(String::strip).filter(s -> !s.isEmpty());
    }
}
