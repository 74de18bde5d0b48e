package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import io.walletoutbox.embedded.DevIssuer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An issuer rotating its signing key: the running service picks the new {@code kid} up from the JWKS without a
 * restart, and tokens of the old key keep working while the issuer still publishes it. A development issuer of this
 * class's own, so the rotation does not touch the shared one.
 */
class KeyRotationIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static DevIssuer issuer;
    private static ServiceHarness service;

    @BeforeAll
    static void start() throws Exception {
        issuer = DevIssuer.start(Files.createTempDirectory("rotating-issuer"), "127.0.0.1", 0);
        // The wait below presents refused tokens in a loop; the per-address limiter has a test of its own.
        service = new ServiceHarness(
                "key_rotation", Map.of("AUTH_ISSUER", issuer.issuer(), "AUTH_FAILURE_RATE_LIMIT", "100000"));
    }

    @AfterAll
    static void stop() {
        ServiceHarness.closeAll(service, issuer);
    }

    @Test
    void newKidIsAcceptedWithoutRestartAndOldKidKeepsWorking() throws Exception {
        String oldKid = issuer.currentKeyId();
        String oldToken = issuer.mint("alice", Set.of(), Duration.ofHours(1));
        var created = service.requestAs(oldToken, "POST", "/wallets", "{\"currency\":\"USD\"}");
        assertEquals(201, created.statusCode(), created.body());
        String wallet = JSON.readTree(created.body()).get("id").asText();
        int port = service.runtime.httpPort();

        String newKid = issuer.rotateKey();
        assertNotEquals(oldKid, newKid);
        String newToken = issuer.mint("alice", Set.of(), Duration.ofHours(1));
        assertEquals(newKid, SignedJWT.parse(newToken).getHeader().getKeyID());
        JWKSet published = JWKSet.parse(get(issuer.jwksUrl()));
        assertTrue(published.getKeyByKeyId(oldKid) != null && published.getKeyByKeyId(newKid) != null, "both keys");

        // The service refreshes its key set on an unknown kid, at most once every 2 s.
        List<Integer> answers = new ArrayList<>();
        long started = System.nanoTime();
        ServiceHarness.await(Duration.ofSeconds(15), "a token of the new key to be accepted", () -> {
            int status = service.requestAs(newToken, "GET", "/wallets/" + wallet, null)
                    .statusCode();
            answers.add(status);
            return status == 200;
        });
        System.out.printf(
                "new kid accepted after %d ms and %d requests%n",
                (System.nanoTime() - started) / 1_000_000, answers.size());
        assertTrue(
                answers.stream().allMatch(s -> s == 200 || s == 401),
                "only 401 before the key set refreshed: " + answers);
        assertEquals(port, service.runtime.httpPort(), "the same running service");

        var old = service.requestAs(oldToken, "GET", "/wallets/" + wallet, null);
        assertEquals(200, old.statusCode(), "the old key is still published: " + old.body());
    }

    private static String get(String url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }
}
