package io.walletoutbox.app;

import io.walletoutbox.embedded.DevIssuer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Set;

/**
 * One development issuer per test JVM (a real OIDC issuer over HTTP: discovery, JWKS, token endpoint) and tokens
 * from it. The services under test validate them through its JWKS, as they would any issuer's.
 */
final class TestTokens {
    /** The funding service of the tests (scope {@code wallet:fund}). */
    static final String FUNDER = "funding-svc";
    /** The operator of the tests (scope {@code wallet:admin}). */
    static final String OPERATOR = "ops-admin";

    private static DevIssuer issuer;

    private TestTokens() {}

    /** The shared issuer, started on first use. */
    static synchronized DevIssuer issuer() {
        if (issuer == null) {
            try {
                DevIssuer started = DevIssuer.start(Files.createTempDirectory("test-issuer"), "127.0.0.1", 0);
                Runtime.getRuntime().addShutdownHook(new Thread(started::close));
                issuer = started;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return issuer;
    }

    /** A one-hour access token of {@code subject} with {@code scopes}. */
    static String token(String subject, String... scopes) {
        return issuer().mint(subject, Set.of(scopes), Duration.ofHours(1));
    }

    /** A token of the funding service. */
    static String funding() {
        return token(FUNDER, "wallet:fund");
    }

    /** A token of the operator. */
    static String admin() {
        return token(OPERATOR, "wallet:admin");
    }
}
