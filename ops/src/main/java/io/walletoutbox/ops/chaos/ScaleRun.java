package io.walletoutbox.ops.chaos;

import io.walletoutbox.embedded.EmbeddedKafkaCluster;
import io.walletoutbox.ops.chaos.ScaleFigures.Edge;
import io.walletoutbox.ops.chaos.ScaleFigures.Figure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Roles at scale, measured (issue 15, item 4): the fat jar as separate processes by role on the three-node Kafka
 * cluster with a PostgreSQL primary and its synchronous standby (multi-host JDBC URL, {@code
 * targetServerType=primary}), the biller simulator at a small latency, driven by closed-loop clients, once with one
 * instance of each role ({@code one}: the reference) and once with 2 api + 2 relay + 3 consumer processes ({@code
 * scaled}). Reuses the chaos suite's {@link Cluster} (processes, tokens, the pair) and {@link Driver} (wallets).
 * This class sets the runs up; the load is {@link ScaleLoad}, the measurement and report {@link ScaleFigures}, the
 * CPU accounting {@link ProcessCpu}.
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
        ScaleFigures.report(results);
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
            List<UUID> wallets = ScaleLoad.createWallets(driver, walletCount, name);
            System.out.printf("%s: %d wallets ready; warm-up %d s%n", t.name(), wallets.size(), warmup);

            ScaleLoad load = new ScaleLoad(apis, cluster.tokens(), driver.owners, wallets, concurrency);
            Thread loadThread = Thread.ofPlatform().name("scale-load").start(load);
            Thread.sleep(warmup * 1000L);

            String[] hosts = cluster.postgresPair().hosts().split(",");
            Map<String, Long> pids = ProcessCpu.pids(cluster, kafka, hosts);
            Edge from = Edge.opening(cluster, relays, pids);
            load.openWindow();
            long w0 = System.nanoTime();
            Thread.sleep(duration * 1000L);
            load.closeWindow();
            long w1 = System.nanoTime();
            Edge to = Edge.closing(cluster, relays, pids);
            load.stop();
            loadThread.join();
            double seconds = (w1 - w0) / 1e9;

            List<Figure> figures = ScaleFigures.of(cluster, load, seconds, pids, from, to);
            ScaleFigures.print(t.name(), figures);
            return figures;
        } finally {
            cluster.stopAll();
        }
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
