package io.walletoutbox.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
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
 *
 * <p>The load is cheap, as it shares the machine with the service: each worker is a platform thread with one HTTP/1.1
 * keep-alive connection of its own, writing requests prepared before the load (only the Idempotency-Key changes).
 * {@code PAYMENT_LOAD_WINDOW_HOOK}, when set, names a command run with {@code start} and {@code end} right before
 * and after the measured window (payments-bench.sh samples CPU times with it).
 */
public final class PaymentLoad {

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
        // One platform thread and one keep-alive connection per worker, each request written from bytes prepared
        // before the load: the load generator shares the machine with the service, so it should cost little.
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            int worker = w;
            threads.add(Thread.ofPlatform().name("load-" + w).start(() -> {
                long[] mine = new long[1 << 16];
                int count = 0;
                long i = 0;
                Connection connection = null;
                List<Wallet> own = new ArrayList<>();
                for (int k = worker; k < wallets.size(); k += concurrency) {
                    own.add(wallets.get(k));
                }
                if (own.isEmpty()) {
                    own.add(wallets.get(worker % wallets.size()));
                }
                byte[][] heads =
                        own.stream().map(wallet -> requestHead(base, wallet)).toArray(byte[][]::new);
                while (System.nanoTime() < end) {
                    byte[] head = heads[(int) (i++ % heads.length)];
                    long t0 = System.nanoTime();
                    try {
                        if (connection == null) {
                            connection = new Connection(base);
                        }
                        int status = connection.post(head, UUID.randomUUID().toString(), BODY);
                        if (status == 202) {
                            ok.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                            failures.merge("HTTP " + status, 1L, Long::sum);
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        failures.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                        if (connection != null) {
                            connection.close();
                            connection = null;
                        }
                    }
                    if (count == mine.length) {
                        mine = Arrays.copyOf(mine, count * 2);
                    }
                    mine[count++] = System.nanoTime() - t0;
                }
                if (connection != null) {
                    connection.close();
                }
                latencies.add(Arrays.copyOf(mine, count));
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        return new Result(ok.get(), failed.get(), failures, (System.nanoTime() - started) / 1e9, latencies);
    }

    private static final byte[] BODY =
            "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1001\",\"amount\":1}".getBytes(StandardCharsets.US_ASCII);

    /** The request up to the Idempotency-Key's value: everything but the key is the same for every payment. */
    private static byte[] requestHead(URI base, Wallet wallet) {
        return ("POST /wallets/" + wallet.id() + "/bill-payments HTTP/1.1\r\n"
                        + "Host: " + base.getHost() + ":" + base.getPort() + "\r\n"
                        + "Authorization: " + wallet.authorization() + "\r\n"
                        + "Content-Type: application/json\r\n"
                        + "Content-Length: " + BODY.length + "\r\n"
                        + "Idempotency-Key: ")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A blocking HTTP/1.1 keep-alive connection: writes a prepared request, reads the status and skips the body
     * (by Content-Length or chunked). Enough for the service's answers; not a general client.
     */
    private static final class Connection {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final byte[] request = new byte[16 * 1024];

        Connection(URI base) throws IOException {
            socket = new Socket(base.getHost(), base.getPort());
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(30_000);
            out = socket.getOutputStream();
            in = new java.io.BufferedInputStream(socket.getInputStream(), 8192);
        }

        int post(byte[] head, String key, byte[] body) throws IOException {
            int n = 0;
            System.arraycopy(head, 0, request, n, head.length);
            n += head.length;
            for (int c = 0; c < key.length(); c++) {
                request[n++] = (byte) key.charAt(c);
            }
            request[n++] = '\r';
            request[n++] = '\n';
            request[n++] = '\r';
            request[n++] = '\n';
            System.arraycopy(body, 0, request, n, body.length);
            n += body.length;
            out.write(request, 0, n);
            out.flush();
            String statusLine = line();
            if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
                throw new IOException("not an HTTP/1.1 answer: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean close = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, Math.max(colon, 0)).trim();
                String value = header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    chunked = value.equalsIgnoreCase("chunked");
                } else if (name.equalsIgnoreCase("Connection")) {
                    close = value.equalsIgnoreCase("close");
                }
            }
            if (chunked) {
                for (long size = Long.parseLong(line().split(";")[0].trim(), 16);
                        size > 0;
                        size = Long.parseLong(line().split(";")[0].trim(), 16)) {
                    skip(size);
                    line();
                }
                while (!line().isEmpty()) {} // trailers
            } else if (length >= 0) {
                skip(length);
            } else {
                throw new IOException("an answer without a length");
            }
            if (close) {
                throw new IOException("the server closed the connection");
            }
            return status;
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new java.io.EOFException("connection closed");
                }
                if (b != '\r') {
                    sb.append((char) b);
                }
            }
            return sb.toString();
        }

        private void skip(long n) throws IOException {
            for (long left = n; left > 0; ) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new java.io.EOFException("connection closed");
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private static List<Wallet> createWallets(HttpClient http, URI base, Tokens tokens, int count) throws Exception {
        List<Wallet> ids = new ArrayList<>();
        String funding = tokens.bearer("load-funding", Tokens.FUND);
        for (int i = 0; i < count; i++) {
            String owner = tokens.bearer("load-" + i);
            String id = FundedWallets.create(http, base, owner, funding, "load-seed-");
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
