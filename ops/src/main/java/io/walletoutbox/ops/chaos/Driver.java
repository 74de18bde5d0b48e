package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.ops.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * Drives the API over HTTP with bearer tokens: creates wallets, each for a user of its own (the token's {@code sub}
 * owns it, so per-principal rate limits never throttle the load), funds them with a funding service's token (scope
 * {@code wallet:fund}), then sends a seeded plan of bill payments spread over a duration, each with its wallet
 * owner's token. A request that fails (the API killed, a timeout, a 5xx, a 409, a 429) is retried with the same
 * Idempotency-Key until it is answered or a deadline passes, so each planned payment is made at most once and
 * every {@code 202} the API gave is remembered: those payments must exist at the end (I3).
 */
final class Driver {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One planned payment, to {@code biller}. */
    record Planned(UUID wallet, String key, long amount, String customerRef, String biller) {}

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** The subject of the funding service that tops the wallets up. */
    static final String FUNDING_SUBJECT = "chaos-funding";

    private final IntSupplier apiPort;
    private final Tokens tokens;
    /** The owner (token subject) of every wallet this driver created. */
    final Map<UUID, String> owners = new ConcurrentHashMap<>();

    final Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong unanswered = new AtomicLong();
    final AtomicLong retries = new AtomicLong();

    Driver(IntSupplier apiPort, Tokens tokens) {
        this.apiPort = apiPort;
        this.tokens = tokens;
    }

    private URI api(String path) {
        return URI.create("http://127.0.0.1:" + apiPort.getAsInt() + path);
    }

    /**
     * Creates {@code n} wallets, the i-th for user {@code tag-i} (with that user's token), each topped up with
     * {@code funds} by the funding service.
     */
    List<UUID> createWallets(int n, String tag, long funds) throws Exception {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String owner = tag + "-" + i;
            String body = send("POST", "/wallets", owner, null, null, "{\"currency\":\"USD\"}", 201);
            UUID id = UUID.fromString(JSON.readTree(body).get("id").asText());
            owners.put(id, owner);
            send(
                    "POST",
                    "/wallets/" + id + "/top-ups",
                    FUNDING_SUBJECT,
                    Tokens.FUND,
                    "fund-" + id,
                    "{\"amount\":" + funds + "}",
                    201);
            ids.add(id);
        }
        return ids;
    }

    /** A seeded plan: {@code count} payments to {@code wifi} over {@code wallets}, a share to declined customers. */
    static List<Planned> plan(Random rnd, List<UUID> wallets, int count, String tag, double declineShare) {
        return plan(rnd, wallets, count, tag, declineShare, List.of("wifi"));
    }

    /**
     * A seeded plan: {@code count} payments over {@code wallets}, a share of them to declined customers; the i-th
     * wallet pays only {@code billers[i % billers.size()]} (a wallet's payments run in order, one after the other:
     * wallets of their own show whether one biller's payments wait for another's). With one biller the plan is the
     * one earlier versions of the suite drew from the same seed.
     */
    static List<Planned> plan(
            Random rnd, List<UUID> wallets, int count, String tag, double declineShare, List<String> billers) {
        List<Planned> plan = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int w = rnd.nextInt(wallets.size());
            long amount = 1 + rnd.nextInt(5000);
            String ref = (rnd.nextDouble() < declineShare ? "DECLINE-" : "ACC-") + tag + "-" + i;
            plan.add(new Planned(wallets.get(w), "pay-" + tag + "-" + i, amount, ref, billers.get(w % billers.size())));
        }
        return plan;
    }

    /**
     * Sends {@code plan} spread evenly over {@code duration} by {@code workers} concurrent clients and returns when
     * every payment was answered or {@code giveUp} passed after the last one's start.
     */
    void run(List<Planned> plan, Duration duration, int workers, Duration giveUp) throws InterruptedException {
        long start = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < workers; w++) {
                pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < plan.size()) {
                        long due = start + duration.toNanos() * i / Math.max(1, plan.size());
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        pay(plan.get(i), giveUp);
                    }
                    return null;
                });
            }
        }
    }

    private void pay(Planned p, Duration giveUp) throws InterruptedException {
        long deadline = System.nanoTime() + giveUp.toNanos();
        String body = "{\"biller\":\"" + p.biller() + "\",\"customerRef\":\"" + p.customerRef() + "\",\"amount\":"
                + p.amount() + "}";
        inFlight.incrementAndGet();
        try {
            int attempt = 0;
            while (System.nanoTime() < deadline) {
                if (attempt++ > 0) {
                    retries.incrementAndGet();
                    Thread.sleep(Math.min(2000, 100L * attempt));
                }
                try {
                    var r = http.send(
                            HttpRequest.newBuilder(api("/wallets/" + p.wallet() + "/bill-payments"))
                                    .header("Authorization", tokens.bearer(owners.get(p.wallet())))
                                    .header("Content-Type", "application/json")
                                    .header("Idempotency-Key", p.key())
                                    .timeout(Duration.ofSeconds(30))
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 202) {
                        acknowledged.add(UUID.fromString(
                                JSON.readTree(r.body()).get("id").asText()));
                        return;
                    }
                    if (r.statusCode() == 409 || r.statusCode() == 429 || r.statusCode() >= 500) {
                        continue;
                    }
                    throw new IllegalStateException(
                            "payment " + p.key() + " answered " + r.statusCode() + " " + r.body());
                } catch (IOException e) {
                    // API down or restarting: same key again
                }
            }
            unanswered.incrementAndGet();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * Sends one request with a token of {@code subject} (and {@code scope}, when not null), retrying transient
     * failures (no answer, 409, 429, 5xx) for up to a minute; returns the body of the expected status.
     */
    private String send(String method, String path, String subject, String scope, String key, String body, int expect)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                var b = HttpRequest.newBuilder(api(path))
                        .header("Authorization", scope == null ? tokens.bearer(subject) : tokens.bearer(subject, scope))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(15))
                        .method(method, HttpRequest.BodyPublishers.ofString(body));
                if (key != null) {
                    b.header("Idempotency-Key", key);
                }
                var r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == expect) {
                    return r.body();
                }
                if (r.statusCode() != 409 && r.statusCode() != 429 && r.statusCode() < 500) {
                    throw new IllegalStateException(method + " " + path + " → " + r.statusCode() + " " + r.body());
                }
                last = new IllegalStateException(method + " " + path + " → " + r.statusCode());
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException(method + " " + path + " not answered", last);
    }
}
