package io.walletoutbox.ops.chaos;

import io.walletoutbox.ops.Tokens;
import java.io.IOException;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load of {@link ScaleRun}: closed-loop clients, each paying from a random wallet, waiting for the answer and
 * paying again, round-robin over the api processes. Only requests sent and answered inside the measured window
 * ({@link #openWindow} to {@link #closeWindow}) are counted. Also makes the wallets paid from ({@link
 * #createWallets}).
 */
final class ScaleLoad implements Runnable {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static final String BODY = "{\"biller\":\"wifi\",\"customerRef\":\"ACC-scale\",\"amount\":1}";
    private final List<Cluster.Service> apis;
    private final Tokens tokens;
    private final Map<UUID, String> owners;
    private final List<UUID> wallets;
    private final int concurrency;
    private volatile boolean running = true;
    private volatile boolean inWindow;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final List<long[]> collected = java.util.Collections.synchronizedList(new ArrayList<>());

    ScaleLoad(
            List<Cluster.Service> apis, Tokens tokens, Map<UUID, String> owners, List<UUID> wallets, int concurrency) {
        this.apis = apis;
        this.tokens = tokens;
        this.owners = owners;
        this.wallets = wallets;
        this.concurrency = concurrency;
    }

    @Override
    public void run() {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < concurrency; w++) {
                int client = w;
                pool.submit(() -> client(client));
            }
        }
    }

    private void client(int client) {
        long[] lat = new long[1 << 16];
        int n = 0;
        URI[] bases =
                apis.stream().map(s -> URI.create("http://127.0.0.1:" + s.port)).toArray(URI[]::new);
        long seq = 0;
        while (running) {
            UUID wallet = wallets.get(ThreadLocalRandom.current().nextInt(wallets.size()));
            URI base = bases[(int) Math.floorMod(client + seq, (long) bases.length)];
            seq++;
            boolean window = inWindow;
            long t0 = System.nanoTime();
            int status;
            try {
                status = HTTP.send(
                                HttpRequest.newBuilder(base.resolve("/wallets/" + wallet + "/bill-payments"))
                                        .header("Authorization", tokens.bearer(owners.get(wallet)))
                                        .header("Content-Type", "application/json")
                                        .header(
                                                "Idempotency-Key",
                                                UUID.randomUUID().toString())
                                        .timeout(Duration.ofSeconds(30))
                                        .POST(HttpRequest.BodyPublishers.ofString(BODY))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (IOException e) {
                status = -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long took = System.nanoTime() - t0;
            if (!(window && inWindow)) {
                continue;
            }
            if (status == 202) {
                accepted.incrementAndGet();
                if (n == lat.length) {
                    lat = Arrays.copyOf(lat, n * 2);
                }
                lat[n++] = took;
            } else {
                failures.incrementAndGet();
            }
        }
        collected.add(Arrays.copyOf(lat, n));
    }

    void openWindow() {
        inWindow = true;
    }

    void closeWindow() {
        inWindow = false;
    }

    void stop() {
        running = false;
    }

    long windowAccepted() {
        return accepted.get();
    }

    long windowFailures() {
        return failures.get();
    }

    long[] windowLatencies() {
        return collected.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    }

    /** The wallets, made by 8 clients at once (each a sequence of create + top-up). */
    static List<UUID> createWallets(Driver driver, int count, String tag) throws Exception {
        int parts = 8;
        List<UUID> all = java.util.Collections.synchronizedList(new ArrayList<>());
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<List<UUID>>> futures = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                int n = count / parts + (p < count % parts ? 1 : 0);
                String partTag = tag + "-" + p;
                futures.add(pool.submit(() -> driver.createWallets(n, partTag, 1_000_000_000L)));
            }
            for (var f : futures) {
                all.addAll(f.get());
            }
        }
        return all;
    }
}
