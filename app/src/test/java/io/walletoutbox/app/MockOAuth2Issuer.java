package io.walletoutbox.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real, separate OpenID Connect issuer for the integration tests: NAV's {@code mock-oauth2-server}, standalone,
 * run as a child JVM on loopback from the test class path. Unlike the development issuer it runs in another process
 * and signs with its own keys, so a test using it proves the service validates any standard issuer's tokens
 * through discovery and JWKS.
 *
 * <p>Its {@code client_credentials} tokens (issuer id {@code default}) carry {@code sub} = the requested subject
 * (sent as {@code client_id}), {@code aud} = {@code ["wallet-api"]} or a requested audience, and {@code scope} =
 * the requested scopes (space-separated; absent when none were asked for), plus {@code iss}, {@code iat}, {@code
 * nbf}, {@code exp} and {@code jti}. They are RS256 with a {@code kid} and header {@code typ: JWT} (as many real
 * issuers' access tokens are, not RFC 9068's {@code at+jwt}). The child exits when the test JVM dies, even by
 * {@code kill -9}.
 */
final class MockOAuth2Issuer implements AutoCloseable {
    static final String ISSUER_ID = "default";
    static final String DEFAULT_AUDIENCE = "wallet-api";
    private static final String STANDALONE_MAIN = "no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt";
    /** A request parameter only this fixture sends, selecting the claim mapping when an audience is requested. */
    private static final String PROFILE = "fixture_claims";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final Path output;
    private final String issuer;
    private final String tokenEndpoint;
    private final String jwksUri;

    private MockOAuth2Issuer(Process process, Path output, String issuer, String tokenEndpoint, String jwksUri) {
        this.process = process;
        this.output = output;
        this.issuer = issuer;
        this.tokenEndpoint = tokenEndpoint;
        this.jwksUri = jwksUri;
    }

    /**
     * Starts the server on a free loopback port and waits until its discovery document answers.
     *
     * @throws IllegalStateException when it exits or does not answer within a minute (with its output)
     */
    static MockOAuth2Issuer start() {
        int port = LoopbackPorts.free();
        Path output;
        Process process;
        try {
            output = Files.createTempFile("mock-oauth2-server-", ".log");
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current()
                    .info()
                    .command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                            .toString()));
            command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
            command.addAll(List.of("-cp", System.getProperty("java.class.path")));
            command.add(MockOAuth2Issuer.class.getName());
            command.add(Long.toString(ProcessHandle.current().pid()));
            ProcessBuilder builder =
                    new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            Map<String, String> env = builder.environment();
            env.put("SERVER_HOSTNAME", "127.0.0.1");
            env.put("SERVER_PORT", Integer.toString(port));
            env.put("JSON_CONFIG", jsonConfig());
            env.put("LOG_LEVEL", "WARN");
            env.remove("JSON_CONFIG_PATH");
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start mock-oauth2-server", e);
        }
        try {
            JsonNode discovery = awaitDiscovery(process, output, port, Duration.ofMinutes(1));
            return new MockOAuth2Issuer(
                    process,
                    output,
                    discovery.path("issuer").asText(),
                    discovery.path("token_endpoint").asText(),
                    discovery.path("jwks_uri").asText());
        } catch (RuntimeException e) {
            destroy(process);
            throw e;
        }
    }

    /** Its issuer URL for issuer id {@code default}, exactly as its tokens carry it in {@code iss}. */
    String issuer() {
        return issuer;
    }

    /** The {@code jwks_uri} of its discovery document. */
    String jwksUri() {
        return jwksUri;
    }

    /** The child process, for tests that stop or kill it. */
    ProcessHandle process() {
        return process.toHandle();
    }

    /**
     * A {@code client_credentials} access token from its token endpoint, over HTTP, for audience {@code
     * wallet-api}.
     *
     * @param subject the token's {@code sub}
     * @param scopes the token's scopes; none leaves {@code scope} out
     */
    String token(String subject, String... scopes) {
        return tokenFor(DEFAULT_AUDIENCE, subject, scopes);
    }

    /** Like {@link #token}, with {@code aud} = {@code [audience]}, for wrong-audience cases. */
    String tokenFor(String audience, String subject, String... scopes) {
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(subject, "subject");
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("client_id", subject);
        // client_credentials needs client authentication; the mock accepts any secret.
        form.put("client_secret", "not-checked");
        if (scopes.length > 0) {
            form.put("scope", String.join(" ", scopes));
        }
        if (!audience.equals(DEFAULT_AUDIENCE)) {
            form.put("audience", audience);
            form.put(PROFILE, scopes.length > 0 ? "audience_scope" : "audience");
        }
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        try {
            HttpResponse<String> answer = HTTP.send(
                    HttpRequest.newBuilder(URI.create(tokenEndpoint))
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new IllegalStateException(
                        "mock-oauth2-server refused a token: " + answer.statusCode() + " " + answer.body());
            }
            return JSON.readTree(answer.body()).path("access_token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException("mock-oauth2-server did not answer at " + tokenEndpoint, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fetching a token", e);
        }
    }

    /** Stops the server (SIGTERM, then SIGKILL after 10 s) and waits until the process is gone. Idempotent. */
    void stop() {
        destroy(process);
        try {
            Files.deleteIfExists(output);
        } catch (IOException e) {
            // a temporary file; the operating system cleans up
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * The child's entry point: exits when the parent (argument 0, a pid) is gone, so a killed test JVM leaves no
     * server behind, and runs the standalone server's own {@code main}.
     */
    public static void main(String[] args) throws Exception {
        long parent = Long.parseLong(args[0]);
        ProcessHandle.of(parent)
                .orElseThrow(() -> new IllegalStateException("parent " + parent + " is gone"))
                .onExit()
                .thenRun(() -> Runtime.getRuntime().halt(0));
        Class.forName(STANDALONE_MAIN).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
    }

    /**
     * The server's configuration: one token callback for issuer {@code default} whose request mappings set the
     * claims. The first mapping that matches a request parameter wins; {@code ${name}} is replaced by that form
     * parameter ({@code clientId} by the client id). An unreplaced template stays as it is, so each mapping names
     * only parameters its match guarantees.
     */
    private static String jsonConfig() {
        Map<String, Object> sub = Map.of("sub", "${clientId}");
        List<Map<String, Object>> mappings = List.of(
                mapping(PROFILE, "audience_scope", sub, Map.of("aud", List.of("${audience}"), "scope", "${scope}")),
                mapping(PROFILE, "audience", sub, Map.of("aud", List.of("${audience}"))),
                mapping("scope", "*", sub, Map.of("aud", List.of(DEFAULT_AUDIENCE), "scope", "${scope}")),
                mapping("grant_type", "client_credentials", sub, Map.of("aud", List.of(DEFAULT_AUDIENCE))));
        Map<String, Object> callback = new LinkedHashMap<>();
        callback.put("issuerId", ISSUER_ID);
        callback.put("tokenExpiry", 3600);
        callback.put("requestMappings", mappings);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("interactiveLogin", false);
        config.put("httpServer", "NettyWrapper");
        config.put("tokenCallbacks", List.of(callback));
        try {
            return JSON.writeValueAsString(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> mapping(
            String param, String match, Map<String, Object> base, Map<String, Object> more) {
        Map<String, Object> claims = new LinkedHashMap<>(base);
        claims.putAll(more);
        return Map.of("requestParam", param, "match", match, "claims", claims);
    }

    private static JsonNode awaitDiscovery(Process process, Path output, int port, Duration timeout) {
        URI discovery = URI.create("http://127.0.0.1:" + port + "/" + ISSUER_ID + "/.well-known/openid-configuration");
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "mock-oauth2-server exited with code " + process.exitValue() + ": " + tail(output));
            }
            try {
                HttpResponse<String> answer = HTTP.send(
                        HttpRequest.newBuilder(discovery)
                                .timeout(Duration.ofSeconds(2))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    return JSON.readTree(answer.body());
                }
                last = new IllegalStateException("discovery answered " + answer.statusCode());
            } catch (IOException e) {
                last = e; // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for mock-oauth2-server", e);
            }
            try {
                // polling a condition with a deadline: the child's port opens when it is ready
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for mock-oauth2-server", e);
            }
        }
        throw new IllegalStateException(
                "mock-oauth2-server did not answer " + discovery + " within " + timeout + ": " + tail(output), last);
    }

    private static void destroy(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path output) {
        try {
            String text = Files.readString(output, StandardCharsets.UTF_8);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}
