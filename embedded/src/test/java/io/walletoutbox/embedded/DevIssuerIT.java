package io.walletoutbox.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevIssuerIT {
    /** An HTTP answer: status, headers (names lower-case) and body. */
    private record Answer(int statusCode, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Test
    void discoveryDocumentNamesTheEndpointsAndTheyAnswer(@TempDir Path dir) throws Exception {
        try (DevIssuer issuer = DevIssuer.start(dir, "127.0.0.1", 0)) {
            assertTrue(issuer.issuer().matches("http://127\\.0\\.0\\.1:[0-9]+"), issuer.issuer());
            assertEquals(issuer.issuer() + "\n", Files.readString(dir.resolve("issuer-url")));

            Answer discovery = get(issuer.issuer() + "/.well-known/openid-configuration");
            assertEquals(200, discovery.statusCode());
            assertTrue(discovery.header("Content-Type").startsWith("application/json"));
            Map<String, Object> doc = JSONObjectUtils.parse(discovery.body());
            assertEquals(issuer.issuer(), doc.get("issuer"));
            assertEquals(issuer.issuer() + "/jwks", doc.get("jwks_uri"));
            assertEquals(issuer.issuer() + "/token", doc.get("token_endpoint"));
            assertEquals(List.of("client_credentials"), doc.get("grant_types_supported"));
            assertEquals(List.of("token"), doc.get("response_types_supported"));
            assertEquals(List.of("public"), doc.get("subject_types_supported"));
            assertEquals(List.of("RS256"), doc.get("id_token_signing_alg_values_supported"));
            assertEquals(List.of("none"), doc.get("token_endpoint_auth_methods_supported"));
            assertEquals(List.of("wallet:fund", "wallet:admin"), doc.get("scopes_supported"));

            Answer jwks = get((String) doc.get("jwks_uri"));
            assertEquals(200, jwks.statusCode());
            assertEquals("max-age=300", jwks.header("Cache-Control"));
            JWKSet set = JWKSet.parse(jwks.body());
            assertEquals(1, set.getKeys().size());
            assertEquals(issuer.currentKeyId(), set.getKeys().getFirst().getKeyID());
            assertFalse(set.getKeys().getFirst().isPrivate(), "the JWKS publishes public keys only");
            assertFalse(jwks.body().contains("\"d\""), "no private exponent in the JWKS");

            assertEquals(404, get(issuer.issuer() + "/nothing").statusCode());
        }
    }

    @Test
    void tokenFromTheEndpointVerifiesAgainstThePublishedKeys(@TempDir Path dir) throws Exception {
        try (DevIssuer issuer = DevIssuer.start(dir, "127.0.0.1", 0)) {
            Answer answer =
                    postForm(issuer, "grant_type=client_credentials&client_id=funding-svc&scope=wallet%3Afund+extra");
            assertEquals(200, answer.statusCode(), answer.body());
            assertEquals("no-store", answer.header("Cache-Control"));
            Map<String, Object> body = JSONObjectUtils.parse(answer.body());
            assertEquals("Bearer", body.get("token_type"));
            assertEquals(3600L, ((Number) body.get("expires_in")).longValue());
            assertEquals("wallet:fund extra", body.get("scope"));
            String token = (String) body.get("access_token");

            Instant before = Instant.now().minusSeconds(1);
            JWTClaimsSet claims = processor(issuer).process(token, null);
            assertEquals(issuer.issuer(), claims.getIssuer());
            assertEquals("funding-svc", claims.getSubject());
            assertEquals("funding-svc", claims.getStringClaim("client_id"));
            assertEquals("wallet:fund extra", claims.getStringClaim("scope"));
            assertEquals(List.of("wallet-api"), claims.getAudience());
            assertTrue(claims.getIssueTime().toInstant().isAfter(before.minusSeconds(1)));
            assertEquals(claims.getIssueTime(), claims.getNotBeforeTime());
            assertEquals(
                    3600,
                    Duration.between(
                                    claims.getIssueTime().toInstant(),
                                    claims.getExpirationTime().toInstant())
                            .toSeconds());
            assertNotNull(java.util.UUID.fromString(claims.getJWTID()));

            SignedJWT jwt = SignedJWT.parse(token);
            assertEquals("at+jwt", jwt.getHeader().getType().getType());
            assertEquals(issuer.currentKeyId(), jwt.getHeader().getKeyID());
            assertEquals(JWSAlgorithm.RS256, jwt.getHeader().getAlgorithm());
            assertTrue(jwt.getPayload().toString().contains("\"aud\":[\"wallet-api\"]"), "aud is an array on the wire");
        }
    }

    @Test
    void audienceTtlAndNoScopeAreHonoured(@TempDir Path dir) throws Exception {
        try (DevIssuer issuer = DevIssuer.start(dir, "127.0.0.1", 0)) {
            Answer answer =
                    postForm(issuer, "grant_type=client_credentials&client_id=alice&audience=other-api&expires_in=60");
            assertEquals(200, answer.statusCode(), answer.body());
            Map<String, Object> body = JSONObjectUtils.parse(answer.body());
            assertEquals(60L, ((Number) body.get("expires_in")).longValue());
            assertEquals("", body.get("scope"));
            JWTClaimsSet claims =
                    SignedJWT.parse((String) body.get("access_token")).getJWTClaimsSet();
            assertEquals(List.of("other-api"), claims.getAudience());
            assertEquals("alice", claims.getSubject());
            assertNull(claims.getClaim("scope"), "no scope claim when none was asked for");
            assertEquals(
                    60,
                    Duration.between(
                                    claims.getIssueTime().toInstant(),
                                    claims.getExpirationTime().toInstant())
                            .toSeconds());
        }
    }

    @Test
    void badRequestsAnswer400WithAnOAuthErrorAndNeverA500(@TempDir Path dir) throws Exception {
        try (DevIssuer issuer = DevIssuer.start(dir, "127.0.0.1", 0)) {
            Map<String, String> cases = Map.ofEntries(
                    Map.entry("grant_type=password&client_id=alice", "unsupported_grant_type"),
                    Map.entry("grant_type=authorization_code&client_id=alice", "unsupported_grant_type"),
                    Map.entry("client_id=alice", "invalid_request"),
                    Map.entry("grant_type=client_credentials", "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=", "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=a+b", "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=%00", "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=" + "x".repeat(256), "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=alice&client_id=bob", "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=alice&expires_in=0", "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=alice&expires_in=86401", "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=alice&expires_in=-5", "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=alice&expires_in=1e3", "invalid_request"),
                    Map.entry(
                            "grant_type=client_credentials&client_id=alice&expires_in=99999999999999999999",
                            "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=alice&scope=%22quoted%22", "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=alice&audience=", "invalid_request"),
                    Map.entry("grant_type=client_credentials&client_id=%zz", "invalid_request"),
                    Map.entry("", "invalid_request"));
            for (var c : cases.entrySet()) {
                Answer answer = postForm(issuer, c.getKey());
                assertEquals(400, answer.statusCode(), c.getKey() + " -> " + answer.body());
                Map<String, Object> body = JSONObjectUtils.parse(answer.body());
                assertEquals(c.getValue(), body.get("error"), c.getKey());
                assertTrue(
                        body.get("error_description") instanceof String s && !s.isBlank(),
                        "a description for " + c.getKey());
            }

            Answer json = exchange(
                    issuer.tokenEndpoint(), "POST", "application/json", "{\"grant_type\":\"client_credentials\"}");
            assertEquals(400, json.statusCode());
            assertEquals("invalid_request", JSONObjectUtils.parse(json.body()).get("error"));

            Answer huge = postForm(issuer, "grant_type=client_credentials&client_id=alice&pad=" + "x".repeat(20_000));
            assertEquals(400, huge.statusCode());

            Answer getToken = get(issuer.tokenEndpoint());
            assertEquals(405, getToken.statusCode());
            assertEquals("POST", getToken.header("Allow"));
        }
    }

    @Test
    void restartOnTheSameDirectoryKeepsTheKeySoOldTokensStillVerify(@TempDir Path dir) throws Exception {
        String token;
        String kid;
        int port;
        try (DevIssuer first = DevIssuer.start(dir, "127.0.0.1", 0)) {
            token = first.mint("alice", Set.of(), Duration.ofMinutes(5));
            kid = first.currentKeyId();
            port = first.port();
        }
        Path keyFile = dir.resolve("signing-keys.json");
        assertTrue(Files.exists(keyFile));
        if (Files.getFileStore(keyFile).supportsFileAttributeView("posix")) {
            assertEquals(
                    Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(keyFile));
        }
        try (DevIssuer second = DevIssuer.start(dir, "127.0.0.1", port)) {
            assertEquals(kid, second.currentKeyId());
            JWTClaimsSet claims = processor(second).process(token, null);
            assertEquals("alice", claims.getSubject());
        }
    }

    @Test
    void rotatedKeySignsNewTokensAndBothKeysArePublished(@TempDir Path dir) throws Exception {
        try (DevIssuer issuer = DevIssuer.start(dir, "127.0.0.1", 0)) {
            String oldKid = issuer.currentKeyId();
            String oldToken = issuer.mint("alice", Set.of("wallet:admin"), Duration.ofMinutes(5));
            String newKid = issuer.rotateKey();
            assertNotEquals(oldKid, newKid);
            assertEquals(newKid, issuer.currentKeyId());

            JWKSet published = JWKSet.parse(get(issuer.jwksUrl()).body());
            assertEquals(2, published.getKeys().size());
            assertNotNull(published.getKeyByKeyId(oldKid));
            assertNotNull(published.getKeyByKeyId(newKid));

            String newToken = issuer.mint("bob", Set.of(), Duration.ofMinutes(5));
            assertEquals(newKid, SignedJWT.parse(newToken).getHeader().getKeyID());
            var processor = processor(issuer);
            assertEquals("alice", processor.process(oldToken, null).getSubject());
            assertEquals("bob", processor.process(newToken, null).getSubject());
            assertEquals("wallet:admin", processor.process(oldToken, null).getStringClaim("scope"));
        }
        try (DevIssuer restarted = DevIssuer.start(dir, "127.0.0.1", 0)) {
            assertEquals(
                    2, JWKSet.parse(get(restarted.jwksUrl()).body()).getKeys().size(), "rotation persisted");
        }
    }

    @Test
    void mintSignsArbitraryClaimsSoNegativeTestsCanBuildExpiredTokens(@TempDir Path dir) throws Exception {
        try (DevIssuer issuer = DevIssuer.start(dir, "127.0.0.1", 0)) {
            Instant past = Instant.now().minus(Duration.ofHours(2));
            String expired = issuer.mint(new JWTClaimsSet.Builder()
                    .issuer(issuer.issuer())
                    .subject("alice")
                    .audience("wallet-api")
                    .issueTime(Date.from(past))
                    .expirationTime(Date.from(past.plusSeconds(60)))
                    .build());
            assertEquals(
                    issuer.currentKeyId(), SignedJWT.parse(expired).getHeader().getKeyID());
            assertThrows(BadJOSEException.class, () -> processor(issuer).process(expired, null));
            assertThrows(
                    IllegalArgumentException.class, () -> issuer.mint("has space", Set.of(), Duration.ofMinutes(1)));
            assertThrows(IllegalArgumentException.class, () -> issuer.mint("alice", Set.of(), Duration.ZERO));
        }
    }

    private static DefaultJWTProcessor<SecurityContext> processor(DevIssuer issuer) throws Exception {
        var processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(
                JWSAlgorithm.RS256,
                JWKSourceBuilder.create(URI.create(issuer.jwksUrl()).toURL()).build()));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
                "wallet-api",
                new JWTClaimsSet.Builder().issuer(issuer.issuer()).build(),
                Set.of("sub", "iat", "exp", "jti")));
        return processor;
    }

    private static Answer get(String url) throws IOException {
        return exchange(url, "GET", null, null);
    }

    private static Answer postForm(DevIssuer issuer, String form) throws IOException {
        return exchange(issuer.tokenEndpoint(), "POST", "application/x-www-form-urlencoded", form);
    }

    // HttpURLConnection, since the tests are patched into the module, which does not read java.net.http.
    private static Answer exchange(String url, String method, String contentType, String body) throws IOException {
        var connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
        connection.setConnectTimeout(5000);
        connection.setReadTimeout(10000);
        connection.setRequestMethod(method);
        if (body != null) {
            connection.setDoOutput(true);
            connection.setRequestProperty("Content-Type", contentType);
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
        int status = connection.getResponseCode();
        Map<String, String> headers = new java.util.HashMap<>();
        connection.getHeaderFields().forEach((name, values) -> {
            if (name != null && !values.isEmpty()) {
                headers.put(name.toLowerCase(java.util.Locale.ROOT), values.getFirst());
            }
        });
        InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        connection.disconnect();
        return new Answer(status, headers, text);
    }
}
