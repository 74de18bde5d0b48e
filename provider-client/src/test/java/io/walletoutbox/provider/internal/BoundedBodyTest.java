package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.walletoutbox.provider.BillPaymentCall;
import io.walletoutbox.provider.BillerClient;
import io.walletoutbox.provider.BillerClientConfig;
import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.ProviderMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Biller answers are read up to 64 KiB: a real HTTP server answering a megabyte makes an unknown outcome (retried,
 * then asked about), never an {@code OutOfMemoryError}; an answer under the bound is read as before.
 */
class BoundedBodyTest {
    private static final int MEGABYTE = 1024 * 1024;
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void aMegabyteAnswerIsAnUnknownOutcomeNotACrash() throws IOException {
        AtomicInteger requests = new AtomicInteger();
        String padding = "x".repeat(MEGABYTE);
        byte[] huge =
                ("{\"id\":\"ref-1\",\"status\":\"PAID\",\"pad\":\"" + padding + "\"}").getBytes(StandardCharsets.UTF_8);
        serve(huge, requests);
        BillerClient client = BillerClient.create(config(), new ProviderMetrics());
        var unknown = assertInstanceOf(BillerOutcome.Unknown.class, client.pay(call()));
        assertTrue(unknown.cause().contains("larger than 64 KiB"), unknown.cause());
        assertTrue(requests.get() >= 2, "retried, then asked about: " + requests.get());
        var status = assertInstanceOf(BillerOutcome.Unknown.class, client.status(UUID.randomUUID()));
        assertTrue(status.cause().contains("larger than 64 KiB"), status.cause());
    }

    @Test
    void anAnswerWithinTheBoundIsReadWhole() throws IOException {
        String pad = "y".repeat(BoundedBody.MAX_BYTES - 100);
        byte[] body =
                ("{\"id\":\"ref-2\",\"status\":\"PAID\",\"pad\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8);
        assertTrue(body.length <= BoundedBody.MAX_BYTES);
        serve(body, new AtomicInteger());
        BillerClient client = BillerClient.create(config(), new ProviderMetrics());
        assertEquals(new BillerOutcome.Paid("ref-2"), client.pay(call()));
    }

    private void serve(byte[] body, AtomicInteger requests) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/v1/payments", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(exchange.getRequestMethod().equals("POST") ? 201 : 200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            } catch (IOException e) {
                // the client stopped reading: what the bound is for
            }
        });
        server.start();
    }

    private BillerClientConfig config() {
        return BillerClientConfig.builder(
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .maxAttempts(2)
                .initialBackoff(Duration.ofMillis(5))
                .maxBackoff(Duration.ofMillis(10))
                .build();
    }

    private static BillPaymentCall call() {
        return new BillPaymentCall(UUID.randomUUID(), "ACC-1", 100, "USD", null);
    }
}
