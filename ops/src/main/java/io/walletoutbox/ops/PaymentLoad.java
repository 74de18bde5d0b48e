package io.walletoutbox.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load on {@code POST /wallets/{id}/bill-payments}: {@code concurrency} workers, each sending its
 * next request when the previous answered, over {@code wallets} wallets, for {@code seconds}. Prints requests per
 * second and latency percentiles; exits non-zero when any request failed. Loopback only: the base URL must be on
 * this machine.
 *
 * <p>Tokens: wallet {@code i} is opened by user {@code load-i} and paid from with that user's token (so the load is
 * spread over as many principals as wallets, and per-principal rate limits apply per wallet); the top-ups use a
 * funding service's token (scope {@code wallet:fund}). The issuer is the one the environment names ({@code
 * AUTH_TOKEN_URL} or {@code AUTH_ISSUER}; see {@link Tokens#fromEnvironment}). Tokens are fetched once per user
 * before the load starts and reused (they are valid for an hour), so the issuer is not part of the measurement.
 *
 * <p>Usage: {@code PaymentLoad <baseUrl> <concurrency> <seconds> <wallets> [walletIdsFile] [warmupSeconds]}. The
 * tool creates and funds the wallets (writing their ids to the file when given), then runs the same load unmeasured
 * for {@code warmupSeconds} (default 10: the JIT compiles the hot paths of the service and of this client), then
 * measures.
 */
public final class PaymentLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PaymentLoad() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: PaymentLoad <baseUrl> <concurrency> <seconds> <wallets> [walletIdsFile]");
            System.exit(2);
        }
        URI base = URI.create(args[0]);
        if (!List.of("localhost", "127.0.0.1", "[::1]").contains(base.getHost())) {
            System.err.println("PaymentLoad sends traffic to loopback addresses only");
            System.exit(2);
        }
        int concurrency = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        int walletCount = Integer.parseInt(args[3]);
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Tokens tokens = Tokens.fromEnvironment(null);

        List<Wallet> wallets = createWallets(http, base, tokens, walletCount);
        if (args.length > 4) {
            java.nio.file.Files.write(
                    java.nio.file.Path.of(args[4]),
                    wallets.stream().map(Wallet::id).toList());
        }
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 10;
        if (warmup > 0) {
            run(http, base, wallets, concurrency, warmup);
        }
        windowHook("start");
        Result result = run(http, base, wallets, concurrency, seconds);
        windowHook("end");
        long[] all = result.latencies().stream()
                .flatMapToLong(Arrays::stream)
                .sorted()
                .toArray();
        System.out.printf(
                "api: %d payments in %.1f s = %.1f payments/s at concurrency %d; latency p50 %.2f ms, p99 %.2f ms;"
                        + " %d failed%s%n",
                result.ok(),
                result.seconds(),
                result.ok() / result.seconds(),
                concurrency,
                pct(all, 0.50),
                pct(all, 0.99),
                result.failed(),
                result.failures().isEmpty() ? "" : " " + result.failures());
        if (result.failed() > 0) {
            System.exit(1);
        }
    }

    /** A wallet of the load and the Authorization header of its owner. */
    private record Wallet(String id, String authorization) {}

    private record Result(
            long ok,
            long failed,
            Map<String, Long> failures,
            double seconds,
            ConcurrentLinkedQueue<long[]> latencies) {}

    private static Result run(HttpClient http, URI base, List<Wallet> wallets, int concurrency, int seconds)
            throws InterruptedException {
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Map<String, Long> failures = new ConcurrentSkipListMap<>();
        ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        long started = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < concurrency; w++) {
                int worker = w;
                pool.submit(() -> {
                    List<Long> mine = new ArrayList<>();
                    long i = 0;
                    while (System.nanoTime() < end) {
                        Wallet wallet = wallets.get((int) ((worker + i * concurrency) % wallets.size()));
                        i++;
                        long t0 = System.nanoTime();
                        try {
                            var response = http.send(
                                    HttpRequest.newBuilder(base.resolve("/wallets/" + wallet.id() + "/bill-payments"))
                                            .header("Authorization", wallet.authorization())
                                            .header("Content-Type", "application/json")
                                            .header(
                                                    "Idempotency-Key",
                                                    UUID.randomUUID().toString())
                                            .POST(HttpRequest.BodyPublishers.ofString(
                                                    "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1001\",\"amount\":1}"))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding());
                            if (response.statusCode() == 202) {
                                ok.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                                failures.merge("HTTP " + response.statusCode(), 1L, Long::sum);
                            }
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            failures.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                        }
                        mine.add(System.nanoTime() - t0);
                    }
                    latencies.add(mine.stream().mapToLong(Long::longValue).toArray());
                    return null;
                });
            }
        }
        return new Result(ok.get(), failed.get(), failures, (System.nanoTime() - started) / 1e9, latencies);
    }

    private static List<Wallet> createWallets(HttpClient http, URI base, Tokens tokens, int count) throws Exception {
        List<Wallet> ids = new ArrayList<>();
        String funding = tokens.bearer("load-funding", Tokens.FUND);
        for (int i = 0; i < count; i++) {
            String owner = tokens.bearer("load-" + i);
            var created = http.send(
                    HttpRequest.newBuilder(base.resolve("/wallets"))
                            .header("Authorization", owner)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"currency\":\"USD\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (created.statusCode() != 201) {
                throw new IllegalStateException("creating a wallet failed: " + created.body());
            }
            String id = JSON.readTree(created.body()).get("id").asText();
            var topUp = http.send(
                    HttpRequest.newBuilder(base.resolve("/wallets/" + id + "/top-ups"))
                            .header("Authorization", funding)
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", "load-seed-" + id)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":100000000000}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (topUp.statusCode() != 201) {
                throw new IllegalStateException("funding a wallet failed: " + topUp.body());
            }
            ids.add(new Wallet(id, owner));
        }
        return ids;
    }

    /**
     * Runs the command {@code PAYMENT_LOAD_WINDOW_HOOK} names, if any, with {@code start} or {@code end} as its
     * argument, right before and right after the measured window (e.g. to sample CPU times), and waits for it.
     */
    private static void windowHook(String edge) throws java.io.IOException, InterruptedException {
        String hook = System.getenv("PAYMENT_LOAD_WINDOW_HOOK");
        if (hook == null || hook.isBlank()) {
            return;
        }
        int exit = new ProcessBuilder(hook, edge).inheritIO().start().waitFor();
        if (exit != 0) {
            throw new IllegalStateException(hook + " " + edge + " exited with " + exit);
        }
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }
}
