package io.walletoutbox.relay.cdc.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.embedded.BenchInfrastructure;
import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.jdbi.JdbiOutbox;
import io.walletoutbox.outbox.jdbi.JdbiOutboxWriter;
import io.walletoutbox.relay.KafkaProducers;
import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.PollingRelay;
import io.walletoutbox.relay.Relay;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMetrics;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcRelay;
import io.walletoutbox.relay.cdc.CdcSlots;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * Polling relay vs CDC relay in the same run, against the same embedded PostgreSQL and broker (run by {@code
 * ops/bench/cdc-bench.sh}):
 *
 * <ol>
 *   <li>drain: {@code events} (100,000) events of {@code size} (300) bytes over {@code keys} (1000) keys written
 *       beforehand (the table for polling; logical decoding messages behind an existing slot for CDC), then the
 *       relay started; events/s from the relay's start to the last ack;
 *   <li>tracing ({@code -Dphases=tracing}, with {@code -Dtracing=<ratio>}): {@link TracingPairs}, the woken
 *       polling latency with tracing off and on in alternating pairs in this one JVM, on the same database and broker;
 *   <li>latency: {@code rate} (1000) events/s written one per transaction for {@code seconds} (20) with the relay
 *       running; p50/p99 of the time from the event's {@code createdAt} (taken just before its commit) to Kafka's
 *       ack. The polling relay runs twice: woken by the writer after each commit (same JVM, as the app does), and
 *       polling only (a relay in another process);
 *   <li>footprint: WAL written and outbox table size for the drain's events, per mode, plus insert-and-delete in
 *       one transaction (the alternative to logical messages).
 * </ol>
 *
 * <p>{@code keys} is a comma-separated list ("1000,10"): everything above runs once per key count. Beside the
 * latencies, Kafka's own {@code ProducerPerformance} at the same rate and record size on the same broker (the
 * floor), and the idle cost of the polling relay's sequence probe (CPU of this JVM and of PostgreSQL while idle,
 * with and without the probe). Besides the human-readable summary, one line per figure: {@code RESULT <name>
 * <value> <unit> reference=<value> ratio=<value> goal=<text>}. The polling relay runs with the service's defaults
 * (sequence probe every 1 ms): "polling alone" is a relay in another process, woken by its probe only.
 *
 * <p>{@code phases} ("idle,drain,woken,probe,cdc", all by default) picks the parts to run, e.g. "probe" alone to
 * profile the probe-only latency run.
 *
 * <p>{@code policy} ({@code BLOCK}) is the parking policy of every benchmark topic, for both relays: {@code BLOCK}
 * measures what the service runs for its events topic (a key's events one after the other).
 */
public final class CdcBenchmark {
    /** The PostgreSQL and Kafka of this run: the environment's, or embedded ones; set first thing in main. */
    private static BenchInfrastructure infrastructure;

    private CdcBenchmark() {}

    /** Seconds of the offered load run before each latency measurement, not counted ({@code -Dwarmup}, 5). */
    private static final int WARMUP_SECONDS = Integer.getInteger("warmup", 5);

    /**
     * Relay workers in the latency runs ({@code -Dworkers}): by default the service's own ({@link
     * RelayConfig#builder}), as the issue asks for the service's settings; the drains use 8, as relay-bench.
     */
    private static final int LATENCY_WORKERS =
            Integer.getInteger("workers", RelayConfig.builder("bench").build().workers());

    private static final ParkingPolicy POLICY = ParkingPolicy.valueOf(System.getProperty("policy", "BLOCK"));

    record Drain(double eventsPerSecond, long walBytes, long tableBytesAfter) {}

    record Latency(double achievedRate, long p50Micros, long p99Micros, long count, String slowSeconds) {}

    public static void main(String[] args) throws Exception {
        // -Dphases=tracing registers and unregisters the SDK itself, pair by pair (TracingPairs).
        boolean pairs = java.util.Arrays.asList(System.getProperty("phases", "").split(","))
                .contains("tracing");
        try (var tracing = pairs ? (AutoCloseable) () -> {} : BenchTracing.start()) {
            run();
        }
        System.exit(0); // the shared infrastructure stops, or the databases are dropped, in a shutdown hook
    }

    private static void run() throws Exception {
        int events = Integer.getInteger("events", 100_000);
        int size = Integer.getInteger("size", 300);
        int rate = Integer.getInteger("rate", 1000);
        int seconds = Integer.getInteger("seconds", 20);
        var keyCounts = java.util.Arrays.stream(
                        System.getProperty("keys", "1000,10").split(","))
                .map(String::trim)
                .map(Integer::parseInt)
                .toList();
        var phases = java.util.Set.of(
                System.getProperty("phases", "idle,drain,woken,probe,cdc").split(","));
        var infra = BenchInfrastructure.fromEnvironment();
        infrastructure = infra;
        String infraLine = infra.describe();
        System.out.println(infraLine);
        String bootstrap = infra.bootstrapServers();
        var out = new StringBuilder();
        var results = new ArrayList<String>();
        double[] pp = producerPerformanceLatency(bootstrap, rate, rate * seconds, size);
        out.append(String.format(
                "%nProducerPerformance at %d records/s, %d-byte records: p50 %.0f ms, p99 %.0f ms%n",
                rate, size, pp[0], pp[1]));
        if (phases.contains("idle")) {
            double[] idle = probeIdleCost(infra, bootstrap);
            results.add(String.format(
                    "RESULT probe_idle_cpu %.1f ms_cpu/s reference=%.1f ratio=%.2f goal=none(JVM+PostgreSQL_CPU_while_idle;"
                            + "reference=without_probe)",
                    idle[0], idle[1], idle[1] > 0 ? idle[0] / idle[1] : 0));
        }
        for (int keys : keyCounts) {
            Drain polling = null;
            Drain cdc = null;
            long insertDeleteWal = 0;
            Latency pollingWoken = null;
            Latency pollingPolls = null;
            Latency cdcLatency = null;
            try (var db = database(infra, "bench_polling")) {
                Jdbi jdbi = Jdbi.create(db);
                if (phases.contains("drain")) {
                    polling = drainPolling(db, bootstrap, events, size, keys);
                    insertDeleteWal = insertAndDelete(jdbi, events, size, keys);
                }
                if (phases.contains("woken")) {
                    pollingWoken = latency(db, bootstrap, OutboxMode.TABLE, null, rate, seconds, keys, size, true);
                }
                if (phases.contains("probe")) {
                    pollingPolls = latency(db, bootstrap, OutboxMode.TABLE, null, rate, seconds, keys, size, false);
                }
                if (phases.contains("tracing")) {
                    results.addAll(TracingPairs.run(db, bootstrap, rate, seconds, keys, size, "_keys" + keys));
                }
            }
            if (phases.contains("cdc")) {
                String cdcUrl = infra.newDatabase("bench_cdc");
                try (var db = database(infra, cdcUrl)) {
                    Jdbi jdbi = Jdbi.create(db);
                    var config = CdcConfig.builder("bench-cdc", cdcUrl, infra.user(), infra.password())
                            .slotName("bench_cdc_" + ProcessHandle.current().pid() + "_" + keys)
                            .publicationName("bench_cdc_" + keys)
                            .build();
                    // A slot of its own for each phase: a restarted relay replays the tail it had not confirmed (at
                    // least once), and those old events would count as slow acks of the latency run.
                    var latencyConfig = config.toBuilder()
                            .slotName(config.slotName() + "_lat")
                            .publicationName("bench_cdc_" + keys)
                            .build();
                    try {
                        cdc = drainCdc(jdbi, db, bootstrap, config, events, size, keys);
                        cdcLatency = latency(
                                db,
                                bootstrap,
                                OutboxMode.LOGICAL_MESSAGE,
                                latencyConfig,
                                rate,
                                seconds,
                                keys,
                                size,
                                true);
                    } finally {
                        awaitInactive(jdbi, config.slotName());
                        CdcSlots.drop(db, config);
                        awaitInactive(jdbi, latencyConfig.slotName());
                        CdcSlots.drop(db, latencyConfig);
                    }
                }
            }
            out.append(String.format(
                    "%ncdc-bench: %d events of %d-byte payloads over %d keys; latency at %d events/s for %d s;"
                            + " topics %s; same PostgreSQL 17 and broker, same producer settings; phases %s%n",
                    events, size, keys, rate, seconds, POLICY, phases));
            if (polling != null && cdc != null) {
                out.append(String.format(
                        "  drain          polling %8.0f events/s   cdc %8.0f events/s   cdc/polling %.2f%n",
                        polling.eventsPerSecond(),
                        cdc.eventsPerSecond(),
                        cdc.eventsPerSecond() / polling.eventsPerSecond()));
            } else if (polling != null) {
                out.append(String.format("  drain          polling %8.0f events/s%n", polling.eventsPerSecond()));
            }
            out.append(String.format(
                    "  latency p50/p99 (createdAt -> ack)  polling woken by writer %s   polling alone %s   cdc %s%n",
                    fmt(pollingWoken), fmt(pollingPolls), fmt(cdcLatency)));
            if (polling != null && cdc != null) {
                out.append(String.format(
                        "  WAL per event   table insert + relay delete %d B   insert+delete in one tx %d B   logical"
                                + " message + offsets %d B%n",
                        polling.walBytes() / events, insertDeleteWal / events, cdc.walBytes() / events));
                out.append(String.format(
                        "  outbox table after the drain (before vacuum)  polling %d kB   cdc %d kB%n",
                        polling.tableBytesAfter() / 1024, cdc.tableBytesAfter() / 1024));
            }
            String k = "_keys" + keys;
            if (pollingWoken != null) {
                results.add(
                        result("latency_p50_polling_woken" + k, pollingWoken.p50Micros(), pp[0], "<=10ms_and_<=cdc"));
                results.add(
                        result("latency_p99_polling_woken" + k, pollingWoken.p99Micros(), pp[1], "<=50ms_and_<=cdc"));
            }
            if (pollingPolls != null) {
                results.add(
                        result("latency_p50_polling_probe" + k, pollingPolls.p50Micros(), pp[0], "<=10ms_and_<=cdc"));
                results.add(
                        result("latency_p99_polling_probe" + k, pollingPolls.p99Micros(), pp[1], "<=50ms_and_<=cdc"));
            }
            if (cdcLatency != null) {
                results.add(result("latency_p50_cdc" + k, cdcLatency.p50Micros(), pp[0], "none"));
                results.add(result("latency_p99_cdc" + k, cdcLatency.p99Micros(), pp[1], "none"));
            }
            if (polling != null && cdc != null) {
                results.add(String.format(
                        "RESULT drain_polling_%s%s %.0f events/s reference=%.0f ratio=%.2f"
                                + " goal=see_relay-bench(reference=cdc_drain)",
                        POLICY.name().toLowerCase(),
                        k,
                        polling.eventsPerSecond(),
                        cdc.eventsPerSecond(),
                        polling.eventsPerSecond() / cdc.eventsPerSecond()));
            }
        }
        System.out.print(out);
        System.out.println();
        System.out.println(infraLine);
        results.forEach(System.out::println);
    }

    private static String result(String name, long micros, double referenceMs, String goal) {
        double ms = micros / 1000.0;
        return String.format(
                "RESULT %s %.1f ms reference=%.1f ratio=%.2f goal=%s",
                name, ms, referenceMs, referenceMs > 0 ? ms / referenceMs : 0, goal);
    }

    private static final java.util.regex.Pattern PP_LATENCY =
            java.util.regex.Pattern.compile("(\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th");

    /** Kafka's ProducerPerformance at {@code rate} records/s with the relay's producer settings: p50, p99 in ms. */
    private static double[] producerPerformanceLatency(String bootstrap, int rate, int records, int size)
            throws Exception {
        String topic = newTopic(bootstrap, "bench-pp-latency");
        var args = new ArrayList<>(List.of(
                "--topic",
                topic,
                "--num-records",
                Integer.toString(records),
                "--record-size",
                Integer.toString(size),
                "--throughput",
                Integer.toString(rate),
                "--producer-props"));
        KafkaProducers.settings(bootstrap, "bench-pp", 20_000, infrastructure.kafkaSettings())
                .forEach((key, v) -> args.add(key + "=" + v));
        var stdout = System.out;
        var captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            org.apache.kafka.tools.ProducerPerformance.main(args.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
        }
        String text = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        System.out.print(text);
        var lines = text.lines().filter(l -> PP_LATENCY.matcher(l).find()).toList();
        var m = PP_LATENCY.matcher(lines.getLast());
        m.find();
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(3))};
    }

    /**
     * CPU (ms per second, this JVM plus its PostgreSQL processes) of an idle polling relay with the sequence probe
     * and without it, each over 10 s: {with, without}.
     */
    private static double[] probeIdleCost(BenchInfrastructure infra, String bootstrap) throws Exception {
        double[] cost = new double[2];
        try (var db = database(infra, "bench_probe")) {
            for (int i = 0; i < 2; i++) {
                var config = pollingConfig().toBuilder().topics("bench-probe").build(); // idle: nothing is written
                if (i == 1) {
                    config = config.toBuilder().probeInterval(Duration.ZERO).build();
                }
                try (Relay relay = PollingRelay.create(
                        db,
                        () -> KafkaProducers.create(bootstrap, "bench-probe", infrastructure.kafkaSettings()),
                        config,
                        RelayMetrics.NONE)) {
                    relay.start();
                    Thread.sleep(2000); // settle: the idle back-off reaches its maximum
                    long cpu0 = cpuNanos();
                    long t0 = System.nanoTime();
                    Thread.sleep(10_000);
                    cost[i] = (cpuNanos() - cpu0) / 1e6 / ((System.nanoTime() - t0) / 1e9);
                }
            }
        }
        System.out.printf(
                "idle polling relay: %.1f ms CPU/s with the probe, %.1f without%s%n",
                cost[0],
                cost[1],
                infra.external() ? " (this JVM only: the external PostgreSQL's CPU is not counted)" : "");
        return cost;
    }

    /** CPU time of this JVM and its descendant processes (the embedded PostgreSQL), from /proc. */
    private static long cpuNanos() {
        long ticks = 0;
        var pids = new ArrayList<Long>();
        pids.add(ProcessHandle.current().pid());
        ProcessHandle.current().descendants().forEach(p -> pids.add(p.pid()));
        for (long pid : pids) {
            try {
                String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
            } catch (java.io.IOException | RuntimeException e) {
                // a process that ended meanwhile
            }
        }
        return ticks * 10_000_000L; // USER_HZ 100
    }

    private static String fmt(Latency l) {
        if (l == null) {
            return "(not run)";
        }
        return String.format(
                "%.1f/%.1f ms (%d events, %.0f/s)",
                l.p50Micros() / 1000.0, l.p99Micros() / 1000.0, l.count(), l.achievedRate());
    }

    private static HikariDataSource database(BenchInfrastructure infra, String nameOrUrl) {
        String url = nameOrUrl.startsWith("jdbc:") ? nameOrUrl : infra.newDatabase(nameOrUrl);
        var ds = TestPools.pool(url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true", 16)
                .user(infra.user(), infra.password())
                .open();
        OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
        return ds;
    }

    private static String newTopic(String bootstrap, String name) {
        return infrastructure.newTopic(name, 8);
    }

    private static long walLsn(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT CAST(pg_current_wal_lsn() - '0/0' AS bigint)")
                .mapTo(Long.class)
                .one());
    }

    private static long tableBytes(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT pg_total_relation_size('outbox_event')")
                .mapTo(Long.class)
                .one());
    }

    static String payload(int seq, int size) {
        var sb = new StringBuilder(size).append("{\"seq\":").append(seq).append(",\"data\":\"");
        var random = new java.util.Random(seq);
        while (sb.length() < size - 2) {
            sb.append((char) ('A' + random.nextInt(26)));
        }
        return sb.append("\"}").toString();
    }

    /** Writes {@code events} through the mode's writer, 1000 per transaction. */
    private static void fill(Jdbi jdbi, OutboxMode mode, String topic, int events, int size, int keys) {
        var writer = JdbiOutbox.writer(OutboxWriter.create(OutboxConfig.DEFAULTS, mode, () -> {}));
        long start = System.nanoTime();
        for (int from = 0; from < events; from += 1000) {
            int first = from;
            jdbi.useTransaction(h -> {
                for (int i = first; i < Math.min(events, first + 1000); i++) {
                    writer.append(
                            h, OutboxEvent.of("Bench", "key-" + (i % keys), "BenchEvent", topic, payload(i, size)));
                }
            });
        }
        System.out.printf("%s: wrote %d events in %d ms%n", mode, events, millisSince(start));
    }

    private static Drain drainPolling(javax.sql.DataSource db, String bootstrap, int events, int size, int keys)
            throws Exception {
        Jdbi jdbi = Jdbi.create(db);
        String topic = newTopic(bootstrap, "bench-polling");
        long wal0 = walLsn(jdbi);
        fill(jdbi, OutboxMode.TABLE, topic, events, size, keys);
        jdbi.useHandle(h -> h.execute("ANALYZE outbox_event"));
        var acks = new AtomicLong();
        var config = pollingConfig().toBuilder()
                .parkingPolicy(topic, POLICY)
                .topics(topic)
                .build();
        long start = System.nanoTime();
        try (Relay relay = PollingRelay.create(
                db,
                () -> KafkaProducers.create(bootstrap, "bench-polling", infrastructure.kafkaSettings()),
                config,
                counting(acks, null))) {
            relay.start();
            awaitCount(acks, events);
            while (jdbi.withHandle(h -> h.createQuery("SELECT EXISTS (SELECT 1 FROM outbox_event)")
                    .mapTo(Boolean.class)
                    .one())) {
                Thread.sleep(5);
            }
        }
        double rate = events / ((System.nanoTime() - start) / 1e9);
        long wal = walLsn(jdbi) - wal0;
        long table = tableBytes(jdbi);
        System.out.printf("polling: drained in %d ms%n", millisSince(start));
        jdbi.useHandle(h -> h.execute("VACUUM outbox_event"));
        return new Drain(rate, wal, table);
    }

    /** The WAL of writing the events with insert-and-delete in one transaction, for comparison. */
    private static long insertAndDelete(Jdbi jdbi, int events, int size, int keys) {
        var writer = JdbiOutbox.writer(OutboxWriter.create(OutboxConfig.DEFAULTS, OutboxMode.TABLE, () -> {}));
        long wal0 = walLsn(jdbi);
        for (int from = 0; from < events; from += 1000) {
            int first = from;
            jdbi.useTransaction(h -> {
                var ids = new ArrayList<UUID>();
                for (int i = first; i < Math.min(events, first + 1000); i++) {
                    var e = OutboxEvent.of("Bench", "key-" + (i % keys), "BenchEvent", "t", payload(i, size));
                    writer.append(h, e);
                    ids.add(e.id());
                }
                h.createUpdate("DELETE FROM outbox_event WHERE event_id = ANY(:ids)")
                        .bind("ids", ids.toArray(UUID[]::new))
                        .execute();
            });
        }
        long wal = walLsn(jdbi) - wal0;
        jdbi.useHandle(h -> h.execute("VACUUM outbox_event"));
        return wal;
    }

    private static Drain drainCdc(
            Jdbi jdbi, DataSource dataSource, String bootstrap, CdcConfig config, int events, int size, int keys)
            throws Exception {
        String topic = newTopic(bootstrap, "bench-cdc");
        CdcSlots.ensurePublication(dataSource, config);
        CdcSlots.ensureSlot(dataSource, config);
        long wal0 = walLsn(jdbi);
        fill(jdbi, OutboxMode.LOGICAL_MESSAGE, topic, events, size, keys);
        var acks = new AtomicLong();
        long start = System.nanoTime();
        long firstAck;
        try (Relay relay = CdcRelay.create(
                dataSource,
                KafkaProducers.create(bootstrap, "bench-cdc", infrastructure.kafkaSettings()),
                config.toBuilder().parkingPolicy(topic, POLICY).topics(topic).build(),
                counting(acks, null))) {
            relay.start();
            while (acks.get() == 0) {
                Thread.sleep(1);
            }
            firstAck = System.nanoTime();
            awaitCount(acks, events);
        }
        long end = System.nanoTime();
        System.out.printf(
                "cdc: drained in %d ms (engine start to first ack %d ms)%n",
                (end - start) / 1_000_000, (firstAck - start) / 1_000_000);
        long wal = walLsn(jdbi) - wal0;
        return new Drain(events / ((end - start) / 1e9), wal, tableBytes(jdbi));
    }

    static Latency latency(
            javax.sql.DataSource db,
            String bootstrap,
            OutboxMode mode,
            CdcConfig cdc,
            int rate,
            int seconds,
            int keys,
            int size,
            boolean wakeUp)
            throws Exception {
        Jdbi jdbi = Jdbi.create(db);
        // Every latency run starts from a vacuumed outbox, as the first one does: the run before left its events'
        // dead rows behind (20,000 of them), which the relay's scans walk past until a vacuum (the service's
        // OutboxVacuum, or autovacuum) removes them; that belongs to the run that made them, not to this one.
        jdbi.useHandle(h -> h.execute("VACUUM outbox_event"));
        String topic = newTopic(bootstrap, "bench-latency");
        var latencies = new ConcurrentLinkedQueue<Long>();
        var acksAt = new ConcurrentLinkedQueue<long[]>();
        var acks = new AtomicLong();
        var relayRef = new AtomicReference<Relay>();
        var writer = JdbiOutbox.writer(OutboxWriter.create(OutboxConfig.DEFAULTS, mode, () -> {
            if (wakeUp && relayRef.get() != null) {
                relayRef.get().wakeUp();
            }
        }));
        Relay relay = cdc == null
                ? PollingRelay.create(
                        db,
                        () -> KafkaProducers.create(bootstrap, "bench-latency", infrastructure.kafkaSettings()),
                        pollingConfig(LATENCY_WORKERS).toBuilder()
                                .parkingPolicy(topic, POLICY)
                                .topics(topic)
                                .build(),
                        counting(acks, latencies, acksAt))
                : CdcRelay.create(
                        // Shared with the polling relay's runs (and TracingPairs), which hand over a Jdbi.
                        JdbiOutbox.dataSource(jdbi),
                        KafkaProducers.create(bootstrap, "bench-latency", infrastructure.kafkaSettings()),
                        cdc.toBuilder()
                                .parkingPolicy(topic, POLICY)
                                .topics(topic)
                                .build(),
                        counting(acks, latencies, acksAt));
        int total = rate * seconds;
        long start;
        try (relay) {
            relay.start();
            relayRef.set(relay);
            // Warm-up, not counted: the same offered load for `warmup` seconds (JIT, connections, the broker's
            // and PostgreSQL's caches), so the measured window is the relay at that rate, not its first second.
            offer(jdbi, writer, topic, rate, rate * WARMUP_SECONDS, keys, size, 0);
            awaitCount(acks, rate * WARMUP_SECONDS);
            latencies.clear();
            acksAt.clear();
            acks.set(0);
            start = System.nanoTime();
            offer(jdbi, writer, topic, rate, total, keys, size, rate * WARMUP_SECONDS);
            double achieved = total / ((System.nanoTime() - start) / 1e9);
            awaitCount(acks, total);
            var sorted = latencies.stream().sorted().toList();
            var result = new Latency(
                    achieved,
                    sorted.get(sorted.size() / 2),
                    sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1)),
                    sorted.size(),
                    slowSeconds(acksAt, start));
            System.out.printf(
                    "%s%s latency: p50 %d us, p99 %d us; per second of the run, acks with latency > 100 ms: %s%n",
                    mode,
                    cdc == null ? (wakeUp ? " (woken)" : " (polling only)") : "",
                    result.p50Micros(),
                    result.p99Micros(),
                    result.slowSeconds());
            return result;
        }
    }

    /**
     * Writes {@code total} events, one per transaction, paced at {@code rate} per second from now, by four writer
     * threads; event numbers (which pick the key) start at {@code first}.
     */
    private static void offer(
            Jdbi jdbi, JdbiOutboxWriter writer, String topic, int rate, int total, int keys, int size, int first)
            throws InterruptedException {
        var next = new AtomicInteger();
        long t0 = System.nanoTime();
        try (var pool = Executors.newFixedThreadPool(4)) {
            for (int w = 0; w < 4; w++) {
                pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < total; ) {
                        long due = t0 + i * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait); // pacing the offered load, not waiting for a result
                        }
                        int seq = first + i;
                        var event =
                                OutboxEvent.of("Bench", "key-" + (seq % keys), "BenchEvent", topic, payload(seq, size));
                        if (FIXED_TRACEPARENT) {
                            event = event.withHeader("traceparent", traceparent(seq));
                        }
                        var append = event;
                        jdbi.useTransaction(h -> writer.append(h, append));
                    }
                    return null;
                });
            }
        }
    }

    /**
     * {@code -Dbench.traceparent=true}: every event of the latency runs carries a {@code traceparent} header as a
     * traced writer's would, with tracing off (no SDK): the cost of the header's bytes on the relay's path, apart
     * from making spans.
     */
    private static final boolean FIXED_TRACEPARENT = Boolean.getBoolean("bench.traceparent");

    private static String traceparent(int seq) {
        return String.format("00-%032x-%016x-01", seq + 1L, seq + 1L);
    }

    private static RelayConfig pollingConfig() {
        return pollingConfig(8);
    }

    private static RelayConfig pollingConfig(int workers) {
        return RelayConfig.builder("bench-polling")
                .workers(workers)
                .batchSize(500)
                .build();
    }

    private static RelayMetrics counting(AtomicLong acks, ConcurrentLinkedQueue<Long> latencies) {
        return counting(acks, latencies, null);
    }

    private static RelayMetrics counting(
            AtomicLong acks, ConcurrentLinkedQueue<Long> latencies, ConcurrentLinkedQueue<long[]> acksAt) {
        return new RelayMetrics() {
            @Override
            public void published(Duration sinceCreated) {
                if (latencies != null) {
                    latencies.add(sinceCreated.toNanos() / 1000);
                }
                if (acksAt != null) {
                    acksAt.add(new long[] {System.nanoTime(), sinceCreated.toMillis()});
                }
                acks.incrementAndGet();
            }
        };
    }

    /** For each second of the run that had acks slower than 100 ms: "second:count". */
    private static String slowSeconds(ConcurrentLinkedQueue<long[]> acksAt, long start) {
        var slow = new java.util.TreeMap<Long, Integer>();
        for (long[] a : acksAt) {
            if (a[1] > 100) {
                slow.merge((a[0] - start) / 1_000_000_000L, 1, Integer::sum);
            }
        }
        return slow.isEmpty() ? "none" : slow.toString();
    }

    private static void awaitCount(AtomicLong acks, long count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (acks.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + acks.get() + " of " + count + " acks after 10 minutes");
            }
            Thread.sleep(2);
        }
    }

    private static void awaitInactive(Jdbi jdbi, String slot) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline
                && jdbi.withHandle(h -> h.createQuery(
                                "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :s AND active)")
                        .bind("s", slot)
                        .mapTo(Boolean.class)
                        .one())) {
            Thread.sleep(100);
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
