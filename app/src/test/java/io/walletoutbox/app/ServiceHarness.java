package io.walletoutbox.app;

import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.runtime.ServiceRuntime;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.provider.BillerSimulator;
import io.walletoutbox.provider.SimulatorConfig;
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
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Starts the assembled service in-process, exactly as {@code Main} does, against the shared PostgreSQL and Kafka
 * (external mode: a database and a topic of its own, the tests' development issuer as {@code AUTH_ISSUER}, a biller
 * simulator of its own as {@code PROVIDER_BASE_URL}), and talks to it over HTTP.
 *
 * <p>Requests made through {@link #get}, {@link #post} and {@link #send} carry a token unless they have one: the user
 * {@link #USER}'s, a funding token on {@code …/top-ups}, an operator's on {@code /admin/…}. Paths of the management
 * port ({@code /metrics}, {@code /health/…}, {@code /admin/…}) go to it. {@link #sendRaw} sends a request as it is.
 */
final class ServiceHarness implements AutoCloseable {
    /** The user the harness acts as by default. */
    static final String USER = "alice";

    final ServiceRuntime runtime;
    final String baseUrl;
    final String managementUrl;
    final String topic;
    final String jdbcUrl;
    /** The biller simulator this service pays (its own, unless PROVIDER_BASE_URL was given). */
    final String simulatorUrl;

    private final AutoCloseable simulator;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ServiceHarness(String name, Map<String, String> extraEnv) {
        SharedInfrastructure infra = SharedInfrastructure.get();
        // A DATABASE_URL given by the test (a primary and its standby, say) replaces the shared server's database.
        this.jdbcUrl = extraEnv.containsKey("DATABASE_URL") ? extraEnv.get("DATABASE_URL") : infra.newDatabase(name);
        this.topic = infra.newTopic(name + ".events", 4);
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", jdbcUrl);
        env.put("DATABASE_USER", infra.user());
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
        env.put("HTTP_PORT", "0");
        env.put("MANAGEMENT_PORT", "0");
        env.put("EVENTS_TOPIC", topic);
        env.put("TOPIC_PARTITIONS", "4");
        env.put("AUTH_ISSUER", TestTokens.issuer().issuer());
        // The tests drive hundreds of requests per second as one user: the limits have tests of their own.
        env.put("RATE_LIMIT_PER_SECOND", "100000");
        env.put("RATE_LIMIT_BURST", "100000");
        env.putAll(extraEnv);
        BillerSimulator sim = null;
        if (!env.containsKey("PROVIDER_BASE_URL")) {
            sim = BillerSimulator.start(SimulatorConfig.builder().port(0).build());
            env.put("PROVIDER_BASE_URL", sim.baseUrl());
        }
        this.simulator = sim;
        this.simulatorUrl = env.get("PROVIDER_BASE_URL");
        AppConfig config = AppConfig.load(env, new String[0]);
        try {
            this.runtime = ServiceRuntime.start(
                    config, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            if (sim != null) {
                sim.close();
            }
            throw e;
        }
        this.baseUrl = "http://localhost:" + runtime.httpPort();
        this.managementUrl = "http://localhost:" + runtime.managementPort();
    }

    /** The base URL a path is served on: the management port for metrics, health and admin. */
    String urlOf(String path) {
        boolean management = path.startsWith("/metrics") || path.startsWith("/health/") || path.startsWith("/admin/");
        return (management ? managementUrl : baseUrl) + path;
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(urlOf(path))).GET().build());
    }

    HttpResponse<String> post(String path, String json, String idempotencyKey) {
        var builder = HttpRequest.newBuilder(URI.create(urlOf(path)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (idempotencyKey != null) {
            builder.header("Idempotency-Key", idempotencyKey);
        }
        return send(builder.build());
    }

    /** Sends {@code request}, adding the default token for its path when it has no Authorization header. */
    HttpResponse<String> send(HttpRequest request) {
        if (request.headers().firstValue("Authorization").isPresent()) {
            return sendRaw(request);
        }
        String path = request.uri().getPath();
        String token = path.endsWith("/top-ups")
                ? TestTokens.funding()
                : path.startsWith("/admin/") ? TestTokens.admin() : TestTokens.token(USER);
        return sendRaw(HttpRequest.newBuilder(request, (name, value) -> true)
                .header("Authorization", "Bearer " + token)
                .build());
    }

    /**
     * Sends {@code method path} (on the port {@link #urlOf} picks) exactly as given: {@code authorization} as the
     * whole Authorization header (none when null), {@code json} as the body (none when null), an Idempotency-Key
     * when not null.
     */
    HttpResponse<String> request(String method, String path, String authorization, String json, String idempotencyKey) {
        var builder = HttpRequest.newBuilder(URI.create(urlOf(path)))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            builder.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        if (idempotencyKey != null) {
            builder.header("Idempotency-Key", idempotencyKey);
        }
        return sendRaw(builder.build());
    }

    /** {@link #request} with {@code Bearer token}. */
    HttpResponse<String> requestAs(String token, String method, String path, String json) {
        return request(
                method,
                path,
                "Bearer " + token,
                json,
                json == null ? null : UUID.randomUUID().toString());
    }

    /** Sends {@code request} exactly as it is (no token added). */
    HttpResponse<String> sendRaw(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Opens a USD wallet and tops it up with {@code amount}, asserting both answers. */
    String walletWith(long amount) {
        var created = post("/wallets", "{\"currency\":\"USD\"}", null);
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

    /** The first column of the first row of {@code sql} on this service's database (counts in tests). */
    long count(String sql) {
        try (var c = java.sql.DriverManager.getConnection(
                        jdbcUrl, SharedInfrastructure.get().user(), "");
                var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** A connection to this service's database, as its owner. */
    java.sql.Connection connect() throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection(
                jdbcUrl, SharedInfrastructure.get().user(), "");
    }

    /** Closes each non-null resource in order, all of them even when one fails; rethrows the first failure. */
    static void closeAll(AutoCloseable... resources) {
        RuntimeException first = null;
        for (AutoCloseable r : resources) {
            try {
                if (r != null) {
                    r.close();
                }
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() {
        runtime.close();
        if (simulator != null) {
            try {
                simulator.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
