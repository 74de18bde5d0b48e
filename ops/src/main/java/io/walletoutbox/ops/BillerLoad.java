package io.walletoutbox.ops;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Payments for the through-the-biller benchmark ({@code ops/bench/biller-bench.sh}), sent through {@code POST
 * /wallets/{id}/bill-payments} of a running service. Loopback only.
 *
 * <p>Usage: {@code BillerLoad <baseUrl> <wallets> <walletIdsFile> fill <payments> <concurrency>} creates and funds
 * {@code wallets} wallets (one owner each, as {@link PaymentLoad} does) and sends {@code payments} payments,
 * closed-loop with {@code concurrency} workers, round-robin over the wallets (so every wallet has payments in
 * flight together and each wallet's payments queue behind each other in the consumer).
 *
 * <p>{@code BillerLoad <baseUrl> <wallets> <walletIdsFile> rate <perSecond> <seconds> [warmupSeconds]} creates the
 * wallets and sends payments open-loop at {@code perSecond} (each on its own schedule, whatever the answers take),
 * for {@code warmupSeconds} (default 5) and then for {@code seconds}, and prints the time the measured part began
 * ({@code measuredFrom=<epoch ms>}) so the caller can select the payments created after it.
 *
 * <p>Tokens come from the issuer the environment names ({@link Tokens#fromEnvironment}). {@code fill} exits non-zero
 * when any payment was refused; {@code rate} reports refusals ({@code refused=<n>}) and carries on (a service that
 * cannot keep up at that rate is a result, not an error of the tool).
 */
public final class BillerLoad {
    private static final String BODY = "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1001\",\"amount\":1}";

    private BillerLoad() {}

    private record Wallet(String id, String authorization) {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: BillerLoad <baseUrl> <wallets> <walletIdsFile> fill <payments> <concurrency>\n"
                    + "       BillerLoad <baseUrl> <wallets> <walletIdsFile> rate <perSecond> <seconds> [warmup]");
            System.exit(2);
        }
        URI base = URI.create(args[0]);
        if (!List.of("localhost", "127.0.0.1", "[::1]").contains(base.getHost())) {
            System.err.println("BillerLoad sends traffic to loopback addresses only");
            System.exit(2);
        }
        int walletCount = Integer.parseInt(args[1]);
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<Wallet> wallets = createWallets(http, base, Tokens.fromEnvironment(null), walletCount);
        Files.write(Path.of(args[2]), wallets.stream().map(Wallet::id).toList());
        Map<String, Long> failures = new ConcurrentSkipListMap<>();
        AtomicLong ok = new AtomicLong();
        switch (args[3]) {
            case "fill" -> {
                long count = Long.parseLong(args[4]);
                int concurrency = Integer.parseInt(args[5]);
                AtomicLong next = new AtomicLong();
                long t0 = System.nanoTime();
                try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int w = 0; w < concurrency; w++) {
                        pool.submit(() -> {
                            long i;
                            while ((i = next.getAndIncrement()) < count) {
                                pay(http, base, wallets.get((int) (i % wallets.size())), ok, failures);
                            }
                            return null;
                        });
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(
                        "fill: %d payments accepted in %.1f s (%.0f/s) over %d wallets; %d refused %s%n",
                        ok.get(), s, ok.get() / s, wallets.size(), count - ok.get(), failures);
            }
            case "rate" -> {
                double perSecond = Double.parseDouble(args[4]);
                int seconds = Integer.parseInt(args[5]);
                int warmup = args.length > 6 ? Integer.parseInt(args[6]) : 5;
                long measuredFrom = openLoop(http, base, wallets, perSecond, warmup, seconds, ok, failures);
                System.out.printf(
                        "rate: %d payments accepted at %.0f/s for %d s (+%d s warm-up) over %d wallets;"
                                + " refused=%d %s; measuredFrom=%d%n",
                        ok.get(),
                        perSecond,
                        seconds,
                        warmup,
                        wallets.size(),
                        failures.values().stream().mapToLong(Long::longValue).sum(),
                        failures,
                        measuredFrom);
                return;
            }
            default -> {
                System.err.println("mode must be fill or rate, was " + args[3]);
                System.exit(2);
            }
        }
        if (!failures.isEmpty()) {
            System.exit(1);
        }
    }

    /** Sends at {@code perSecond} on a fixed schedule; returns the epoch millisecond the measured part began. */
    private static long openLoop(
            HttpClient http,
            URI base,
            List<Wallet> wallets,
            double perSecond,
            int warmup,
            int seconds,
            AtomicLong ok,
            Map<String, Long> failures)
            throws InterruptedException {
        long intervalNanos = (long) (1e9 / perSecond);
        long total = (long) (perSecond * (warmup + seconds));
        long warmupCount = (long) (perSecond * warmup);
        long measuredFrom = 0;
        Semaphore outstanding = new Semaphore(10_000); // never more than that unanswered: memory stays bounded
        long start = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; i < total; i++) {
                long due = start + i * intervalNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Duration.ofNanos(wait));
                }
                if (i == warmupCount) {
                    measuredFrom = System.currentTimeMillis();
                }
                Wallet wallet = wallets.get((int) (i % wallets.size()));
                outstanding.acquire();
                pool.submit(() -> {
                    try {
                        pay(http, base, wallet, ok, failures);
                    } finally {
                        outstanding.release();
                    }
                });
            }
        }
        return measuredFrom;
    }

    private static void pay(HttpClient http, URI base, Wallet wallet, AtomicLong ok, Map<String, Long> failures) {
        try {
            var response = http.send(
                    HttpRequest.newBuilder(base.resolve("/wallets/" + wallet.id() + "/bill-payments"))
                            .header("Authorization", wallet.authorization())
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", UUID.randomUUID().toString())
                            .POST(HttpRequest.BodyPublishers.ofString(BODY))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() == 202) {
                ok.incrementAndGet();
            } else {
                failures.merge("HTTP " + response.statusCode(), 1L, Long::sum);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.merge("interrupted", 1L, Long::sum);
        } catch (Exception e) {
            failures.merge(e.getClass().getSimpleName(), 1L, Long::sum);
        }
    }

    private static List<Wallet> createWallets(HttpClient http, URI base, Tokens tokens, int count) throws Exception {
        String funding = tokens.bearer("load-funding", Tokens.FUND);
        List<Wallet> wallets = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Wallet>> made = new ArrayList<>();
            Semaphore parallel = new Semaphore(16);
            for (int i = 0; i < count; i++) {
                int n = i;
                made.add(pool.submit(() -> {
                    parallel.acquire();
                    try {
                        return createWallet(http, base, tokens.bearer("biller-load-" + n), funding);
                    } finally {
                        parallel.release();
                    }
                }));
            }
            for (var f : made) {
                wallets.add(f.get());
            }
        }
        return wallets;
    }

    private static Wallet createWallet(HttpClient http, URI base, String owner, String funding) throws Exception {
        return new Wallet(FundedWallets.create(http, base, owner, funding, "biller-load-seed-"), owner);
    }
}
