package io.walletoutbox.app;

import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.runtime.ServiceRuntime;
import io.walletoutbox.embedded.SharedInfrastructure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Starts the assembled service in-process, exactly as {@code Main} does, against the shared PostgreSQL and Kafka
 * (external mode: a database and a topic of its own), and talks to it over HTTP.
 */
final class ServiceHarness implements AutoCloseable {
    final ServiceRuntime runtime;
    final String baseUrl;
    final String topic;
    final String jdbcUrl;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ServiceHarness(String name, Map<String, String> extraEnv) {
        SharedInfrastructure infra = SharedInfrastructure.get();
        this.jdbcUrl = infra.newDatabase(name);
        this.topic = infra.newTopic(name + ".events", 4);
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", jdbcUrl);
        env.put("DATABASE_USER", infra.user());
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
        env.put("HTTP_PORT", "0");
        env.put("EVENTS_TOPIC", topic);
        env.putAll(extraEnv);
        AppConfig config = AppConfig.load(env, new String[0]);
        this.runtime = ServiceRuntime.start(
                config, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        this.baseUrl = "http://localhost:" + runtime.httpPort();
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build());
    }

    HttpResponse<String> post(String path, String json, String idempotencyKey) {
        var builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (idempotencyKey != null) {
            builder.header("Idempotency-Key", idempotencyKey);
        }
        return send(builder.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until {@code condition} holds, polling; fails the test after {@code timeout}. */
    /** Opens a USD wallet and tops it up with {@code amount}, asserting both answers. */
    String walletWith(long amount) {
        var created = post("/wallets", "{\"ownerId\":\"alice\",\"currency\":\"USD\"}", null);
        org.junit.jupiter.api.Assertions.assertEquals(201, created.statusCode(), created.body());
        String wallet = field(created.body(), "id");
        var topUp = post("/wallets/" + wallet + "/top-ups", "{\"amount\":" + amount + "}", "top-" + wallet);
        org.junit.jupiter.api.Assertions.assertEquals(201, topUp.statusCode(), topUp.body());
        org.junit.jupiter.api.Assertions.assertEquals(Long.toString(amount), field(topUp.body(), "balance"));
        return wallet;
    }

    /** The wallet's balance, read over HTTP. */
    long balance(String wallet) {
        return Long.parseLong(field(get("/wallets/" + wallet).body(), "balance"));
    }

    /** The payment's status, read over HTTP. */
    String status(String payment) {
        return field(get("/bill-payments/" + payment).body(), "status");
    }

    /** The body of a GET of an absolute URL (the biller simulator's, say). */
    String getAbsolute(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET().build()).body();
    }

    private static String field(String json, String name) {
        try {
            return JSON.readTree(json).get(name).asText();
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    static void await(Duration timeout, String what, BooleanSupplier condition) {
        io.walletoutbox.embedded.Conditions.await(timeout, what, condition);
    }

    @Override
    public void close() {
        runtime.close();
    }
}
