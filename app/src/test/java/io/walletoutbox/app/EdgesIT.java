package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.walletoutbox.app.internal.runtime.StartupException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The service's edges from outside: {@code X-Forwarded-For} believed from a trusted proxy only (here the tests'
 * loopback peer, {@code TRUSTED_PROXIES}), {@code Cache-Control: no-store} and {@code X-Content-Type-Options:
 * nosniff} on every JSON answer, the management port on {@code MANAGEMENT_BIND_ADDRESS} only, and a discovered
 * {@code jwks_uri} over plain http to another host refused as a misconfiguration (exit code 2).
 */
class EdgesIT {
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        service = new ServiceHarness(
                "edges",
                Map.of(
                        "TRUSTED_PROXIES", "127.0.0.0/8,::1/128",
                        "AUTH_FAILURE_RATE_LIMIT", "1",
                        "MANAGEMENT_BIND_ADDRESS", "127.0.0.1"));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnAllowanceForBadTokens() {
        String path = "/wallets/" + UUID.randomUUID();
        int answered = 0;
        while (badToken(path, "198.51.100.1").statusCode() == 401) {
            answered++;
            assertTrue(answered <= 20, "a burst of 4 at 1/s is limited well before 20");
        }
        assertEquals(429, badToken(path, "198.51.100.1").statusCode(), "the forwarded client is limited");
        assertEquals(401, badToken(path, "198.51.100.2").statusCode(), "another client behind the same proxy is not");
        // the client's own leftmost entry is not what counts: the rightmost untrusted one is
        assertEquals(429, badToken(path, "203.0.113.7, 198.51.100.1").statusCode());
        var valid = service.request("GET", path, "Bearer " + TestTokens.token("xff-" + UUID.randomUUID()), null, null);
        assertEquals(404, valid.statusCode(), "a valid token from the limited client is answered: " + valid.body());
    }

    @Test
    void everyJsonAnswerIsNotStoredAndNotSniffed() {
        String wallet = service.walletWith(100);
        List<HttpResponse<String>> answers = List.of(
                service.get("/wallets/" + wallet),
                service.get("/wallets/" + UUID.randomUUID()),
                service.request("GET", "/wallets/" + wallet, null, null, null),
                service.post("/wallets", "{\"currency\":", null),
                service.get("/openapi.json"),
                service.get("/health/ready"),
                service.get("/admin/reconciliation"),
                service.get("/no-such-route"));
        for (var answer : answers) {
            String where = answer.request().method() + " " + answer.uri().getPath() + " " + answer.statusCode();
            assertTrue(
                    answer.headers().firstValue("Content-Type").orElse("").contains("json"),
                    where + " " + answer.headers().map());
            assertEquals(Optional.of("no-store"), answer.headers().firstValue("Cache-Control"), where);
            assertEquals(Optional.of("nosniff"), answer.headers().firstValue("X-Content-Type-Options"), where);
        }
    }

    @Test
    void theManagementPortListensOnItsBindAddressOnly() throws IOException {
        int management = service.runtime.managementPort();
        assertEquals(200, service.get("/health/live").statusCode(), "reachable on 127.0.0.1");
        InetAddress other = nonLoopbackAddress();
        assumeTrue(other != null, "this machine has no non-loopback IPv4 address to try");
        try (Socket api = new Socket(other, service.runtime.httpPort())) {
            assertTrue(api.isConnected(), "the API listens on every address, " + other + " included");
        }
        assertThrows(java.net.ConnectException.class, () -> new Socket(other, management).close());
    }

    @Test
    void aDiscoveredJwksUriOverHttpToAnotherHostStopsTheStartAsAMisconfiguration() throws IOException {
        HttpServer issuer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        String url = "http://127.0.0.1:" + issuer.getAddress().getPort();
        byte[] document = ("{\"issuer\":\"" + url + "\",\"jwks_uri\":\"http://keys.example/jwks\"}")
                .getBytes(StandardCharsets.UTF_8);
        issuer.createContext("/.well-known/openid-configuration", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, document.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(document);
            }
        });
        issuer.start();
        try {
            var e = assertThrows(
                    RuntimeException.class, () -> new ServiceHarness("edges_jwks", Map.of("AUTH_ISSUER", url)));
            StartupException startup = assertInstanceOf(StartupException.class, e, e.toString());
            assertTrue(startup.misconfigured(), "exit code 2: " + startup.getMessage());
            assertTrue(startup.getMessage().contains("jwks_uri"), startup.getMessage());
            assertTrue(startup.getMessage().contains("https"), startup.getMessage());
        } finally {
            issuer.stop(0);
        }
    }

    private static HttpResponse<String> badToken(String path, String forwardedFor) {
        return service.sendRaw(HttpRequest.newBuilder(URI.create(service.urlOf(path)))
                .header("Authorization", "Bearer not-a-token")
                .header("X-Forwarded-For", forwardedFor)
                .GET()
                .build());
    }

    private static InetAddress nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : nic.inetAddresses().toList()) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return a;
                }
            }
        }
        return null;
    }
}
