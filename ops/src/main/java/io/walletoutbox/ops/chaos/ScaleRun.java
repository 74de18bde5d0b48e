package io.walletoutbox.ops.chaos;

import io.walletoutbox.embedded.EmbeddedKafkaCluster;
import io.walletoutbox.embedded.EmbeddedPostgres;
import io.walletoutbox.ops.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Roles at scale, measured (issue 15, item 4): the fat jar as separate processes by role on the three-node Kafka
 * cluster with a PostgreSQL primary and its synchronous standby (multi-host JDBC URL, {@code
 * targetServerType=primary}), the biller simulator at a small latency, driven by closed-loop clients, once with one
 * instance of each role ({@code one}: the reference) and once with 2 api + 2 relay + 3 consumer processes ({@code
 * scaled}). Reuses the chaos suite's {@link Cluster} (processes, tokens, the pair) and {@link Driver} (wallets).
 *
 * <p>Each topology gets a fresh database on a fresh pair and a topic of its own on the same Kafka cluster; the
 * services start, the wallets are made and funded, the load runs {@code WARMUP} seconds and then {@code DURATION}
 * seconds are measured:
 *
 * <ul>
 *   <li>accepted: {@code 202} answers the clients received in the window, per second; the answer's latency p50/p99;
 *   <li>completed: payments whose {@code completed_at} falls in the window (database clock), per second, and their
 *       creation→completion latency p50/p99;
 *   <li>commit→ack: the relays' {@code relay_publish_latency_seconds} histogram (an event's commit to Kafka's
 *       acknowledgement), the difference of the summed buckets between the window's edges, p50/p99 interpolated;
 *   <li>CPU: utime+stime of every process over the window from {@code /proc/<pid>/stat} (PostgreSQL: the
 *       postmaster, its live children and its collected ones), in percent of one core; and the whole machine's busy
 *       share from {@code /proc/stat} (other people's work included).
 * </ul>
 *
 * <p>Prints one line per figure: {@code RESULT scale.<topology>.<figure> <value> <unit> reference=<one's value or ->
 * ratio=<v or -> goal=-}. Settings from the environment: {@code DURATION} (60), {@code WARMUP} (20), {@code
 * CONCURRENCY} (32), {@code WALLETS} (1000), {@code SIM_LATENCY_MS} (5), {@code TOPOLOGIES} ({@code one,scaled}).
 *
 * <p>Usage: {@code ScaleRun --jar <wallet-outbox.jar> --work <directory>}.
 */
public final class ScaleRun {
    private ScaleRun() {}

    /** How many processes of each role. */
    record Topology(String name, int api, int relay, int consumer) {
        Topology {
            if (api < 1 || relay < 1 || consumer < 1) {
                throw new IllegalArgumentException("every role needs an instance: " + name);
            }
        }
    }

    /** One figure of one topology, and whether it has a counterpart in the reference. */
    record Figure(String name, double value, String unit, boolean compared) {}

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public static void main(String[] args) throws Exception {
        Path jar = null;
        Path work = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (jar == null || work == null) {
            throw new IllegalArgumentException("usage: ScaleRun --jar <jar> --work <directory>");
        }
        int duration = env("DURATION", 60);
        int warmup = env("WARMUP", 20);
        int concurrency = env("CONCURRENCY", 32);
        int wallets = env("WALLETS", 1000);
        int simLatency = env("SIM_LATENCY_MS", 5);
        Map<String, Topology> known = Map.of(
                "one", new Topology("one", 1, 1, 1),
                "scaled", new Topology("scaled", 2, 2, 3));
        List<Topology> topologies = new ArrayList<>();
        for (String t : System.getenv().getOrDefault("TOPOLOGIES", "one,scaled").split(",")) {
            Topology topology = known.get(t.strip());
            if (topology == null) {
                throw new IllegalArgumentException("unknown topology " + t + " (one, scaled)");
            }
            topologies.add(topology);
        }
        System.out.printf(
                "scale: closed loop, %d clients over %d wallets, warm-up %d s, window %d s, biller latency %d ms;"
                        + " %d cores, load average %s%n",
                concurrency,
                wallets,
                warmup,
                duration,
                simLatency,
                Runtime.getRuntime().availableProcessors(),
                loadAverage());
        Map<String, List<Figure>> results = new LinkedHashMap<>();
        try (Cluster cluster = Cluster.start(work, jar)) {
            for (Topology t : topologies) {
                results.put(t.name(), run(cluster, t, duration, warmup, concurrency, wallets, simLatency));
            }
        }
        System.out.println("== machine: load average " + loadAverage());
        Map<String, Double> reference = new LinkedHashMap<>();
        List<Figure> first = results.get("one");
        if (first != null) {
            first.forEach(f -> reference.put(f.name(), f.value()));
        }
        for (var e : results.entrySet()) {
            for (Figure f : e.getValue()) {
                Double ref = e.getKey().equals("one") || !f.compared() ? null : reference.get(f.name());
                String ratio = ref == null || ref == 0 ? "-" : String.format("%.2f", f.value() / ref);
                System.out.printf(
                        "RESULT scale.%s.%s %s %s reference=%s ratio=%s goal=-%n",
                        e.getKey(), f.name(), number(f.value()), f.unit(), ref == null ? "-" : number(ref), ratio);
            }
        }
    }

    private static List<Figure> run(
            Cluster cluster, Topology t, int duration, int warmup, int concurrency, int walletCount, int simLatency)
            throws Exception {
        String name = "scale-" + t.name();
        cluster.newScenario(name, "scale_" + t.name(), "wallet-events-scale-" + t.name());
        EmbeddedKafkaCluster kafka = cluster.useKafkaCluster();
        cluster.startPostgresPair();
        List<Cluster.Service> apis = new ArrayList<>();
        List<Cluster.Service> relays = new ArrayList<>();
        List<Cluster.Service> all = new ArrayList<>();
        for (int i = 1; i <= t.api(); i++) {
            apis.add(cluster.define("api-" + i, "api", Map.of()));
        }
        for (int i = 1; i <= t.relay(); i++) {
            relays.add(cluster.define("relay-" + i, "relay", Map.of()));
        }
        for (int i = 1; i <= t.consumer(); i++) {
            cluster.define("consumer-" + i, "consumer", Map.of());
        }
        all.addAll(cluster.services());
        System.out.printf(
                "== %s: %d api + %d relay + %d consumer processes; Kafka %s; PostgreSQL %s%n",
                t.name(),
                t.api(),
                t.relay(),
                t.consumer(),
                kafka.bootstrapServers(),
                cluster.postgresPair().hosts());
        try {
            cluster.launchAll(all);
            cluster.simFaults("{\"latencyMs\":" + simLatency + ",\"errorRate\":0.0,\"timeoutRate\":0.0,"
                    + "\"dropResponseRate\":0.0,\"failNext\":0,\"dropNext\":0,\"failStatus\":false,"
                    + "\"requireApiKey\":null}");
            AtomicInteger rr = new AtomicInteger();
            Driver driver =
                    new Driver(() -> apis.get(Math.floorMod(rr.getAndIncrement(), apis.size())).port, cluster.tokens());
            List<UUID> wallets = createWallets(driver, walletCount, name);
            System.out.printf("%s: %d wallets ready; warm-up %d s%n", t.name(), wallets.size(), warmup);

            Load load = new Load(apis, cluster.tokens(), driver.owners, wallets, concurrency);
            Thread loadThread = Thread.ofPlatform().name("scale-load").start(load);
            Thread.sleep(warmup * 1000L);

            String[] hosts = cluster.postgresPair().hosts().split(",");
            Map<String, Long> pids = pids(cluster, kafka, hosts);
            Map<String, Long> cpu0 = ticks(pids);
            long[] machine0 = machineTicks();
            Map<Double, Double> hist0 = publishHistogram(relays);
            Timestamp db0 = dbNow(cluster);
            load.openWindow();
            long w0 = System.nanoTime();
            Thread.sleep(duration * 1000L);
            load.closeWindow();
            long w1 = System.nanoTime();
            Timestamp db1 = dbNow(cluster);
            Map<Double, Double> hist1 = publishHistogram(relays);
            long[] machine1 = machineTicks();
            Map<String, Long> cpu1 = ticks(pids);
            load.stop();
            loadThread.join();
            double seconds = (w1 - w0) / 1e9;

            List<Figure> figures = new ArrayList<>();
            long[] lat = load.windowLatencies();
            figures.add(new Figure("accepted", load.windowAccepted() / seconds, "payments/s", true));
            try (Connection c = cluster.db();
                    var s = c.prepareStatement("SELECT count(*) FILTER (WHERE created_at >= ? AND created_at < ?),"
                            + " count(*) FILTER (WHERE completed_at >= ? AND completed_at < ?),"
                            + " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at -"
                            + " created_at)) FILTER (WHERE completed_at >= ? AND completed_at < ?),"
                            + " percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at -"
                            + " created_at)) FILTER (WHERE completed_at >= ? AND completed_at < ?)"
                            + " FROM bill_payment")) {
                for (int i = 0; i < 4; i++) {
                    s.setTimestamp(2 * i + 1, db0);
                    s.setTimestamp(2 * i + 2, db1);
                }
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    double dbSeconds = (db1.getTime() - db0.getTime()) / 1000.0;
                    figures.add(new Figure("accepted_db", rs.getLong(1) / dbSeconds, "payments/s", true));
                    figures.add(new Figure("completed", rs.getLong(2) / dbSeconds, "payments/s", true));
                    figures.add(new Figure("accept_latency_p50", pct(lat, 0.5) / 1e6, "ms", true));
                    figures.add(new Figure("accept_latency_p99", pct(lat, 0.99) / 1e6, "ms", true));
                    Map<Double, Double> delta = new TreeMap<>();
                    hist1.forEach((le, n) -> delta.put(le, n - hist0.getOrDefault(le, 0.0)));
                    figures.add(new Figure("commit_to_ack_p50", quantile(delta, 0.5) * 1000, "ms", true));
                    figures.add(new Figure("commit_to_ack_p99", quantile(delta, 0.99) * 1000, "ms", true));
                    figures.add(new Figure("created_to_completed_p50", rs.getDouble(3) * 1000, "ms", true));
                    figures.add(new Figure("created_to_completed_p99", rs.getDouble(4) * 1000, "ms", true));
                }
            }
            figures.add(new Figure("failed_requests", load.windowFailures(), "requests", true));
            try (Connection c = cluster.db();
                    var s = c.createStatement();
                    var rs = s.executeQuery("SELECT count(*) FROM outbox_event")) {
                rs.next();
                figures.add(new Figure("outbox_backlog_at_end", rs.getLong(1), "events", true));
            }
            double hz = 100.0; // USER_HZ on Linux
            Map<String, Double> perRole = new LinkedHashMap<>();
            for (var e : pids.entrySet()) {
                double pct =
                        (cpu1.getOrDefault(e.getKey(), 0L) - cpu0.getOrDefault(e.getKey(), 0L)) / hz / seconds * 100;
                figures.add(new Figure("cpu." + e.getKey(), pct, "%core", false));
                String role = e.getKey().replaceAll("-\\d+$", "");
                perRole.merge(role, pct, Double::sum);
            }
            perRole.forEach((role, pct) -> figures.add(new Figure("cpu_role." + role, pct, "%core", true)));
            long busy = machine1[0] - machine0[0];
            long total = machine1[1] - machine0[1];
            figures.add(new Figure("cpu_machine_busy", total == 0 ? 0 : 100.0 * busy / total, "%", true));
            for (Figure f : figures) {
                System.out.printf("%s: %s = %s %s%n", t.name(), f.name(), number(f.value()), f.unit());
            }
            return figures;
        } finally {
            cluster.stopAll();
        }
    }

    /** The wallets, made by 8 clients at once (each a sequence of create + top-up). */
    private static List<UUID> createWallets(Driver driver, int count, String tag) throws Exception {
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

    /** Closed-loop clients: each pays from a random wallet, waits for the answer, pays again. */
    private static final class Load implements Runnable {
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

        Load(List<Cluster.Service> apis, Tokens tokens, Map<UUID, String> owners, List<UUID> wallets, int concurrency) {
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
            URI[] bases = apis.stream()
                    .map(s -> URI.create("http://127.0.0.1:" + s.port))
                    .toArray(URI[]::new);
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
    }

    /** The processes measured, by name: services, the pair, the brokers, the simulator, this load generator. */
    private static Map<String, Long> pids(Cluster cluster, EmbeddedKafkaCluster kafka, String[] hosts)
            throws Exception {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (Cluster.Service s : cluster.services()) {
            pids.put(s.name, s.pid());
        }
        pids.put("postgres_primary", postmaster(hosts[0]));
        pids.put("postgres_standby", postmaster(hosts[1]));
        for (int node : kafka.nodeIds()) {
            kafka.process(node).ifPresent(p -> pids.put("kafka-" + node, p.pid()));
        }
        cluster.simulator().ifPresent(p -> pids.put("biller_sim", p.pid()));
        pids.put("load_generator", ProcessHandle.current().pid());
        return pids;
    }

    /** The postmaster of the server at {@code host:port}: the parent of a backend of it. */
    private static long postmaster(String hostPort) throws SQLException, IOException {
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://" + hostPort + "/postgres", EmbeddedPostgres.USER, "");
                var s = c.createStatement();
                var rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return Long.parseLong(stat(rs.getLong(1))[1]);
        }
    }

    /** Fields of {@code /proc/<pid>/stat} after the command: [0] state, [1] ppid, [11] utime, [12] stime... */
    private static String[] stat(long pid) throws IOException {
        String line = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
    }

    private static Map<String, Long> ticks(Map<String, Long> pids) {
        Map<String, Long> out = new LinkedHashMap<>();
        pids.forEach((name, pid) -> out.put(name, name.startsWith("postgres") ? treeTicks(pid) : ownTicks(pid)));
        return out;
    }

    private static long ownTicks(long pid) {
        try {
            String[] f = stat(pid);
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** A postmaster's own ticks, its collected children's, and its live children's. */
    private static long treeTicks(long pid) {
        try {
            String[] f = stat(pid);
            long total = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return total
                    + ProcessHandle.of(pid).stream()
                            .flatMap(ProcessHandle::children)
                            .mapToLong(child -> ownTicks(child.pid()))
                            .sum();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The machine's [busy, total] ticks from the first line of {@code /proc/stat}. */
    private static long[] machineTicks() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }

    private static final Pattern BUCKET =
            Pattern.compile("^relay_publish_latency_seconds_bucket\\{.*le=\"([^\"]+)\".*} (\\S+)$");

    /** The relays' {@code relay_publish_latency_seconds} buckets, summed over the relays: upper bound → count. */
    private static Map<Double, Double> publishHistogram(List<Cluster.Service> relays) throws Exception {
        Map<Double, Double> sum = new TreeMap<>();
        for (Cluster.Service relay : relays) {
            String body = HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.managementPort + "/metrics"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            for (String line : body.split("\n")) {
                Matcher m = BUCKET.matcher(line);
                if (m.matches()) {
                    double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
                    sum.merge(le, Double.parseDouble(m.group(2)), Double::sum);
                }
            }
        }
        return sum;
    }

    /** The quantile {@code q} of cumulative buckets, interpolated linearly inside the bucket it falls in. */
    static double quantile(Map<Double, Double> cumulative, double q) {
        double total = cumulative.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double prevLe = 0;
        double prevCount = 0;
        for (var e : new TreeMap<>(cumulative).entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return prevLe;
                }
                double inBucket = e.getValue() - prevCount;
                return inBucket <= 0 ? e.getKey() : prevLe + (e.getKey() - prevLe) * (rank - prevCount) / inBucket;
            }
            prevLe = e.getKey();
            prevCount = e.getValue();
        }
        return prevLe;
    }

    private static Timestamp dbNow(Cluster cluster) throws SQLException {
        try (Connection c = cluster.db();
                var s = c.createStatement();
                var rs = s.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e12 ? Long.toString((long) v) : String.format("%.1f", v);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static int env(String name, int fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Integer.parseInt(v.strip());
    }
}
