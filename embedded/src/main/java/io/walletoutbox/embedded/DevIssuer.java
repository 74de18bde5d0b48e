package io.walletoutbox.embedded;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.sun.net.httpserver.HttpServer;
import io.walletoutbox.embedded.internal.IssuerEndpoints;
import io.walletoutbox.embedded.internal.SigningKeys;
import io.walletoutbox.embedded.internal.TokenRequest;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small, real OAuth 2.0 / OpenID Connect issuer for development and tests: OpenID discovery at {@code
 * /.well-known/openid-configuration}, the public keys at {@code /jwks} and a {@code client_credentials} token
 * endpoint at {@code /token} that hands a token to ANY caller, for any subject and scope. It must never be reachable
 * from anywhere a real user's request could come from; bind it to loopback.
 *
 * <p>Tokens are RFC 9068 access tokens: JWS RS256 with header {@code typ: at+jwt} and {@code kid}; claims {@code
 * iss}, {@code sub}, {@code aud} (an array), {@code iat}, {@code nbf}, {@code exp}, {@code jti}, {@code client_id}
 * and {@code scope} (space-separated, omitted when empty). The RSA signing keys are kept, private parts included,
 * in {@code signing-keys.json} in the issuer's directory (mode 0600 where the file system has POSIX permissions), so
 * a restart on the same directory keeps validating the tokens signed before; the issuer URL is written to {@code
 * issuer-url} there on every start, for {@code bin/token}.
 *
 * <p>Token endpoint ({@code POST /token}, {@code application/x-www-form-urlencoded}): {@code
 * grant_type=client_credentials} (anything else: 400 {@code unsupported_grant_type}), {@code client_id} (required,
 * becomes {@code sub}; 1 to 255 visible ASCII characters), optional {@code scope} (space-separated), {@code
 * audience} (default {@code wallet-api}) and {@code expires_in} (seconds, 1 to 86400, default 3600). Answers 200
 * {@code {"access_token","token_type":"Bearer","expires_in","scope"}}; a bad request 400 {@code
 * {"error":"invalid_request","error_description":…}}. No client authentication.
 *
 * <p>Served by the JDK's HTTP server, one virtual thread per exchange. Thread-safe.
 */
public final class DevIssuer implements AutoCloseable {
    /** The name of the file, in the issuer's directory, holding the issuer URL (one line). */
    public static final String ISSUER_URL_FILE = "issuer-url";
    /** The name of the file, in the issuer's directory, holding the signing keys (a JWK set with private parts). */
    public static final String SIGNING_KEYS_FILE = "signing-keys.json";

    private static final Logger log = LoggerFactory.getLogger(DevIssuer.class);
    private static final JOSEObjectType ACCESS_TOKEN_TYPE = new JOSEObjectType("at+jwt");

    private final HttpServer server;
    private final ExecutorService executor;
    private final SigningKeys keys;
    private final String issuer;

    private DevIssuer(HttpServer server, ExecutorService executor, SigningKeys keys, String issuer) {
        this.server = server;
        this.executor = executor;
        this.keys = keys;
        this.issuer = issuer;
    }

    /**
     * Starts the issuer on {@code bindHost:port} ({@code port} 0 picks a free one) with its keys in {@code dir}
     * (created when absent; a key is generated on the first start, loaded on later ones), and writes {@code
     * dir/issuer-url}.
     *
     * @param bindHost the address to listen on; use {@code 127.0.0.1} (the issuer mints tokens for anyone)
     * @throws EmbeddedInfrastructureException when the port cannot be bound or the key file cannot be read or
     *     written
     */
    public static DevIssuer start(Path dir, String bindHost, int port) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(bindHost, "bindHost");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
        }
        Path directory = dir.toAbsolutePath();
        SigningKeys keys = SigningKeys.loadOrCreate(directory.resolve(SIGNING_KEYS_FILE));
        InetAddress address;
        try {
            address = InetAddress.getByName(bindHost);
        } catch (UnknownHostException e) {
            throw new EmbeddedInfrastructureException("development issuer: unknown bind address " + bindHost, e);
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address, port), 64);
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException(
                    "development issuer cannot listen on " + bindHost + ":" + port + ": " + e.getMessage(), e);
        }
        String issuer = "http://" + urlHost(address) + ":" + server.getAddress().getPort();
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        var dev = new DevIssuer(server, executor, keys, issuer);
        var endpoints = new IssuerEndpoints(issuer, () -> keys.publicKeys().toString(), dev::mint);
        server.setExecutor(executor);
        server.createContext("/", endpoints::handle);
        server.start();
        try {
            SigningKeys.writeOwnerOnly(directory.resolve(ISSUER_URL_FILE), issuer + "\n");
        } catch (IOException e) {
            dev.close();
            throw new EmbeddedInfrastructureException("cannot write " + directory.resolve(ISSUER_URL_FILE), e);
        }
        log.info(
                "development issuer listening issuer={} kid={}",
                issuer,
                keys.current().getKeyID());
        return dev;
    }

    /**
     * Runs the issuer alone until the process is stopped (SIGTERM or Ctrl-C): environment {@code HTTP_PORT}
     * (default 8099), {@code DATA_DIR} (default {@code ./data}; keys under {@code DATA_DIR/issuer}) and {@code
     * BIND_ADDRESS} (default {@code 127.0.0.1}). Prints one line naming the issuer URL. {@code --help} prints the
     * usage and returns at once.
     *
     * @throws IllegalArgumentException for an unknown argument or a bad {@code HTTP_PORT}
     * @throws EmbeddedInfrastructureException when the issuer cannot start
     */
    public static void run(String[] args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println("""
                        Runs the development OAuth2/OIDC issuer alone (NOT for production: anyone who reaches it can mint tokens).
                        Environment: HTTP_PORT (default 8099), DATA_DIR (default ./data; keys in DATA_DIR/issuer),
                        BIND_ADDRESS (default 127.0.0.1). Get a token with bin/token SUBJECT.""");
                return;
            }
            throw new IllegalArgumentException("unknown argument " + arg + " (see --help)");
        }
        int port;
        String portText = env("HTTP_PORT", "8099");
        try {
            port = Integer.parseInt(portText.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("HTTP_PORT must be a port number, was " + portText);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("HTTP_PORT must be between 0 and 65535, was " + port);
        }
        Path dir = Path.of(env("DATA_DIR", "./data")).resolve("issuer");
        DevIssuer dev = start(dir, env("BIND_ADDRESS", "127.0.0.1"), port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(Thread.ofPlatform().name("dev-issuer-shutdown").unstarted(() -> {
                    dev.close();
                    stopped.countDown();
                }));
        System.out.println(
                "development issuer " + dev.issuer() + " (NOT for production: anyone who reaches it can mint tokens)");
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dev.close();
        }
    }

    /** The issuer URL, {@code http://127.0.0.1:<port>} for a loopback bind; no trailing slash. */
    public String issuer() {
        return issuer;
    }

    /** The URL of the public keys, {@code issuer() + "/jwks"}. */
    public String jwksUrl() {
        return issuer + IssuerEndpoints.JWKS;
    }

    /** The token endpoint, {@code issuer() + "/token"}. */
    public String tokenEndpoint() {
        return issuer + IssuerEndpoints.TOKEN;
    }

    /** The port the issuer listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The {@code kid} of the key that signs new tokens. */
    public String currentKeyId() {
        return keys.current().getKeyID();
    }

    /**
     * Signs a token exactly like the token endpoint does, for audience {@code wallet-api}, valid from now for
     * {@code ttl}.
     *
     * @param subject the {@code sub} (and {@code client_id}): 1 to 255 visible ASCII characters
     * @param scopes the scopes, RFC 6749 scope tokens; empty for none
     * @param ttl 1 second to 1 day
     * @throws IllegalArgumentException for a value outside those bounds
     */
    public String mint(String subject, Set<String> scopes, Duration ttl) {
        try {
            return mint(new TokenRequest(subject, scopes, TokenRequest.DEFAULT_AUDIENCE, ttl));
        } catch (TokenRequest.Invalid e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /**
     * Signs {@code claims} exactly as given (nothing added, nothing checked) with the current key, header {@code
     * typ: at+jwt} and its {@code kid}: for tests that need an expired, not yet valid, foreign or otherwise wrong
     * token that is still correctly signed.
     */
    public String mint(JWTClaimsSet claims) {
        return sign(claims.toJSONObject());
    }

    /**
     * Generates a new signing key with a new {@code kid}; it signs every token from now on. The JWKS publishes it
     * together with the earlier keys (the newest few are kept), and the set is persisted before this returns.
     *
     * @return the new key's {@code kid}
     */
    public String rotateKey() {
        String kid = keys.rotate().getKeyID();
        log.info("development issuer rotated its signing key kid={}", kid);
        return kid;
    }

    /** Stops serving at once; the key file and {@code issuer-url} stay. Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private String mint(TokenRequest request) {
        Instant now = Instant.now();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuer);
        claims.put("sub", request.clientId());
        // An array even for one audience (nimbus would write a lone audience as a plain string).
        claims.put("aud", List.of(request.audience()));
        claims.put("iat", now.getEpochSecond());
        claims.put("nbf", now.getEpochSecond());
        claims.put("exp", now.plus(request.ttl()).getEpochSecond());
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("client_id", request.clientId());
        if (!request.scopes().isEmpty()) {
            claims.put("scope", String.join(" ", request.scopes()));
        }
        return sign(claims);
    }

    private String sign(Map<String, Object> claims) {
        RSAKey key = keys.current();
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256)
                .type(ACCESS_TOKEN_TYPE)
                .keyID(key.getKeyID())
                .build();
        JWSObject jws = new JWSObject(header, new Payload(claims));
        try {
            jws.sign(new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new EmbeddedInfrastructureException("development issuer cannot sign: " + e.getMessage(), e);
        }
        return jws.serialize();
    }

    private static String urlHost(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return address instanceof Inet6Address ? "[::1]" : "127.0.0.1";
        }
        if (address.isAnyLocalAddress()) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return "127.0.0.1";
            }
        }
        String literal = address.getHostAddress();
        return address instanceof Inet6Address ? "[" + literal.replaceFirst("%.*$", "") + "]" : literal;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
