package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The service with a real, separate OIDC issuer ({@link MockOAuth2Issuer}, another process) as {@code AUTH_ISSUER}:
 * its tokens work through discovery and JWKS, other issuers' do not, and when the issuer goes away the keys the
 * service has cached keep validating its tokens while a token under an unknown key fails closed.
 */
class ExternalIssuerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static MockOAuth2Issuer issuer;
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        issuer = MockOAuth2Issuer.start();
        service = new ServiceHarness("external_issuer", Map.of("AUTH_ISSUER", issuer.issuer()));
    }

    @AfterAll
    static void stop() {
        ServiceHarness.closeAll(service, issuer);
    }

    @Test
    void separateIssuersTokensWorkAndItsCachedKeysOutliveIt() throws Exception {
        String alice = issuer.token("alice");
        String aliceAgain = issuer.token("alice");
        String bob = issuer.token("bob");

        var created = service.requestAs(alice, "POST", "/wallets", "{\"currency\":\"EUR\"}");
        assertEquals(201, created.statusCode(), created.body());
        String wallet = JSON.readTree(created.body()).get("id").asText();
        assertEquals("alice", JSON.readTree(created.body()).get("ownerId").asText(), "the owner is the token's sub");
        var read = service.requestAs(alice, "GET", "/wallets/" + wallet, null);
        assertEquals(200, read.statusCode(), read.body());
        assertEquals(
                404, service.requestAs(bob, "GET", "/wallets/" + wallet, null).statusCode());

        var devToken = service.requestAs(TestTokens.token("alice"), "GET", "/wallets/" + wallet, null);
        assertEquals(401, devToken.statusCode(), "another issuer's token: " + devToken.body());
        var otherAudience = service.requestAs(issuer.tokenFor("other-api", "alice"), "GET", "/wallets/" + wallet, null);
        assertEquals(401, otherAudience.statusCode(), otherAudience.body());

        ProcessHandle process = issuer.process();
        issuer.stop();
        assertFalse(process.isAlive(), "the issuer is gone");

        var cached = service.requestAs(aliceAgain, "GET", "/wallets/" + wallet, null);
        assertEquals(200, cached.statusCode(), "a token signed with a cached key: " + cached.body());
        var write = service.requestAs(alice, "POST", "/wallets", "{\"currency\":\"USD\"}");
        assertEquals(201, write.statusCode(), write.body());

        var unknownKey = service.requestAs(unknownKeyToken("alice"), "GET", "/wallets/" + wallet, null);
        assertEquals(401, unknownKey.statusCode(), "an unknown key fails closed: " + unknownKey.body());
        assertTrue(
                unknownKey.headers().firstValue("WWW-Authenticate").orElse("").contains("invalid_token"));

        var stillCached = service.requestAs(aliceAgain, "GET", "/wallets/" + wallet, null);
        assertEquals(200, stillCached.statusCode(), "a failed refresh keeps the cached keys: " + stillCached.body());
    }

    /** A token with the issuer's claims, signed by a key the issuer never published. */
    private static String unknownKeyToken(String subject) throws Exception {
        RSAKey key =
                new RSAKeyGenerator(2048).keyID("rotated-" + UUID.randomUUID()).generate();
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .keyID(key.getKeyID())
                        .type(JOSEObjectType.JWT)
                        .build(),
                new JWTClaimsSet.Builder()
                        .issuer(issuer.issuer())
                        .subject(subject)
                        .audience(List.of("wallet-api"))
                        .issueTime(Date.from(now))
                        .notBeforeTime(Date.from(now))
                        .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                        .build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }
}
