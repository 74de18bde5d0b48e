package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.walletoutbox.embedded.Conditions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MockOAuth2IssuerIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void realSeparateIssuerHandsOutTokensThatVerifyAgainstItsPublishedKeys() throws Exception {
        MockOAuth2Issuer issuer = MockOAuth2Issuer.start();
        ProcessHandle child;
        String discoveryUrl;
        try {
            child = issuer.process();
            assertTrue(child.isAlive());
            assertNotEquals(ProcessHandle.current().pid(), child.pid(), "a separate process");
            assertTrue(issuer.issuer().matches("http://127\\.0\\.0\\.1:[0-9]+/default"), issuer.issuer());

            // discovery, as the service will do it from AUTH_ISSUER
            discoveryUrl = issuer.issuer() + "/.well-known/openid-configuration";
            var discovery = new ObjectMapper().readTree(get(discoveryUrl).body());
            assertEquals(issuer.issuer(), discovery.path("issuer").asText());
            String jwksUri = discovery.path("jwks_uri").asText();
            var processor = processor(issuer.issuer(), jwksUri);

            String funding = issuer.token("funding-svc", "wallet:fund");
            JWTClaimsSet claims = processor.process(funding, null);
            assertEquals(issuer.issuer(), claims.getIssuer());
            assertEquals("funding-svc", claims.getSubject());
            assertEquals(List.of("wallet-api"), claims.getAudience());
            assertEquals("wallet:fund", claims.getStringClaim("scope"));
            assertNotNull(claims.getExpirationTime());
            assertNotNull(SignedJWT.parse(funding).getHeader().getKeyID());
            assertEquals(
                    JWSAlgorithm.RS256, SignedJWT.parse(funding).getHeader().getAlgorithm());

            JWTClaimsSet user = processor.process(issuer.token("alice"), null);
            assertEquals("alice", user.getSubject());
            assertEquals(List.of("wallet-api"), user.getAudience());
            assertNull(user.getClaim("scope"), "no scope asked for, none granted");

            JWTClaimsSet two = processor.process(issuer.token("ops", "wallet:admin", "wallet:fund"), null);
            assertEquals("wallet:admin wallet:fund", two.getStringClaim("scope"));

            JWTClaimsSet other =
                    SignedJWT.parse(issuer.tokenFor("other-api", "bob")).getJWTClaimsSet();
            assertEquals(List.of("other-api"), other.getAudience());
            assertEquals("bob", other.getSubject());
            assertNull(other.getClaim("scope"));
            String otherWithScope = issuer.tokenFor("other-api", "bob", "wallet:fund");
            assertEquals(
                    "wallet:fund",
                    SignedJWT.parse(otherWithScope).getJWTClaimsSet().getStringClaim("scope"));
            assertThrows(
                    com.nimbusds.jose.proc.BadJOSEException.class,
                    () -> processor.process(otherWithScope, null),
                    "a token for another audience fails the wallet-api check");
        } finally {
            issuer.stop();
        }
        assertFalse(child.isAlive(), "the issuer's process is gone after stop()");
        Conditions.await(Duration.ofSeconds(10), "the port to refuse connections", () -> {
            try {
                get(discoveryUrl);
                return false;
            } catch (IOException e) {
                return true;
            }
        });
    }

    private static DefaultJWTProcessor<SecurityContext> processor(String issuer, String jwksUri) throws Exception {
        var processor = new DefaultJWTProcessor<>();
        // RFC 9068 tokens say at+jwt; this issuer, like many, says JWT.
        processor.setJWSTypeVerifier(
                new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(
                Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.PS256),
                JWKSourceBuilder.create(URI.create(jwksUri).toURL()).build()));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
                "wallet-api", new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("sub", "exp", "iat")));
        return processor;
    }

    private static HttpResponse<String> get(String url) throws IOException {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
