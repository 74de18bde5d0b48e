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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * Soak (issue 14, item 5): {@code events} (1,000,000) events written at a steady {@code rate} (5,000/s) while a
 * relay drains them, first the polling relay (rows in {@code outbox_event}, woken by the writer as in the service),
 * then the CDC relay (logical decoding messages), each on a fresh database of the same embedded PostgreSQL and
 * broker. Run by {@code ops/bench/soak-bench.sh}.
 *
 * <p>Per relay it reports the relay's throughput over the last {@code window} acks against the first {@code window}
 * (100,000, or a tenth of a smaller run), commit→ack latency in both windows, the backlog seen while writing, and the
 * footprint after the run: for polling the size on disk of {@code outbox_event} (heap, indexes and TOAST:
 * {@code pg_total_relation_size}, once the outbox is empty and the relay, still running, has had up to 30 s to give the
 * file back; also heap and indexes apart, and the largest size sampled every second during the run) with its vacuum
 * statistics; for CDC the WAL its slot retains ({@code
 * pg_current_wal_lsn()} minus the slot's {@code restart_lsn} and {@code confirmed_flush_lsn}) and the size of
 * {@code pg_wal}. Every figure ends as one {@code RESULT} line (see {@code ops/bench/all.sh}).
 *
 * <p>System properties: {@code events} (1000000), {@code rate} (events/s, 5000), {@code perTx} (events per writer
 * transaction, 5), {@code writers} (writer threads, 8), {@code keys} (1000), {@code size} (payload bytes, 300),
 * {@code window} (acks per measured window), {@code policy} (BLOCK, the service's), {@code relays} ("polling,cdc"),
 * {@code sample} (seconds between progress lines, 10), {@code naptime} (when given, e.g. {@code 1s}: the server's
 * {@code autovacuum_naptime} is set to it with {@code ALTER SYSTEM} for the run, to see what it does to the table).
 */
public final class SoakBenchmark {
    /** The PostgreSQL and Kafka of this run: the environment's, or embedded ones; set first thing in main. */
    private static BenchInfrastructure infrastructure;

    private SoakBenchmark() {}

    private static final int EVENTS = Integer.getInteger("events", 1_000_000);
    private static final int RATE = Integer.getInteger("rate", 5_000);
    private static final int PER_TX = Integer.getInteger("perTx", 5);
    private static final int WRITERS = Integer.getInteger("writers", 8);
    private static final int KEYS = Integer.getInteger("keys", 1000);
    private static final int SIZE = Integer.getInteger("size", 300);
    private static final int WINDOW = Integer.getInteger("window", Math.min(100_000, Math.max(1, EVENTS / 10)));
    private static final ParkingPolicy POLICY = ParkingPolicy.valueOf(System.getProperty("policy", "BLOCK"));
    private static final int SAMPLE = Integer.getInteger("sample", 10);
    private static final String NAPTIME = System.getProperty("naptime", "");
    private static final AtomicLong MAX_RETAINED = new AtomicLong();
    private static final AtomicLong MAX_TABLE = new AtomicLong();

    /** Ack times and latencies of one run, in ack order. */
    private static final class Acks implements RelayMetrics {
        final long[] at = new long[EVENTS];
        final int[] micros = new int[EVENTS];
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void published(Duration sinceCreated) {
            int i = count.getAndIncrement();
            if (i < EVENTS) {
                at[i] = System.nanoTime();
                micros[i] = (int) Math.min(Integer.MAX_VALUE, sinceCreated.toNanos() / 1000);
            }
        }

        /** Acks per second from ack {@code from} to ack {@code to} (exclusive). */
        double rate(int from, int to) {
            return (to - from - 1) / ((at[to - 1] - at[from]) / 1e9);
        }

        double percentileMillis(int from, int to, double p) {
            int[] slice = Arrays.copyOfRange(micros, from, to);
            Arrays.sort(slice);
            return slice[Math.min(slice.length - 1, (int) Math.ceil(slice.length * p) - 1)] / 1000.0;
        }
    }

    /** What one relay's soak measured. */
    private record Soak(
            String relay,
            double writeRate,
            double firstWriteRate,
            double lastWriteRate,
            double firstRate,
            double lastRate,
            double firstP50,
            double firstP99,
            double lastP50,
            double lastP99,
            long maxBacklog) {}

    public static void main(String[] args) throws Exception {
        var infra = BenchInfrastructure.fromEnvironment();
        infrastructure = infra;
        String infraLine = infra.describe();
        System.out.println(infraLine);
        String bootstrap = infra.bootstrapServers();
        if (!NAPTIME.isEmpty() && infra.external()) {
            // ALTER SYSTEM would change the user's server for everyone on it: their naptime is theirs.
            System.out.println(
                    "soak-bench: -Dnaptime ignored on an external server (its own autovacuum_naptime holds)");
        } else if (!NAPTIME.isEmpty()) {
            try (var ds = dataSource(infra.newDatabase("soak_settings"), infra.user())) {
                Jdbi.create(ds).useHandle(h -> {
                    // ALTER SYSTEM takes no bound parameter; the value is checked to be a plain duration first.
                    if (!NAPTIME.matches("[0-9]+(ms|s|min)?")) {
                        throw new IllegalArgumentException("naptime must be like 1s, was " + NAPTIME);
                    }
                    h.execute("ALTER SYSTEM SET autovacuum_naptime = '" + NAPTIME + "'");
                    h.execute("SELECT pg_reload_conf()");
                });
            }
        }
        var relays = List.of(System.getProperty("relays", "polling,cdc").split(","));
        var results = new ArrayList<String>();
        System.out.printf(
                Locale.ROOT,
                "soak-bench: %d events of %d bytes over %d keys at %d events/s (%d per transaction, %d writers),"
                        + " policy %s, windows of %d acks; %s%n",
                EVENTS,
                SIZE,
                KEYS,
                RATE,
                PER_TX,
                WRITERS,
                POLICY,
                WINDOW,
                serverInfo(infra));
        if (relays.contains("polling")) {
            results.addAll(polling(infra, bootstrap));
        }
        if (relays.contains("cdc")) {
            results.addAll(cdc(infra, bootstrap));
        }
        System.out.println();
        System.out.println(infraLine);
        results.forEach(System.out::println);
        System.exit(0); // the shared infrastructure stops, or the databases are dropped, in a shutdown hook
    }

    private static String serverInfo(BenchInfrastructure infra) {
        try (var ds = dataSource(infra.newDatabase("soak_info"), infra.user())) {
            return Jdbi.create(ds)
                    .withHandle(h -> h.createQuery("""
                            SELECT 'PostgreSQL ' || current_setting('server_version') || ', autovacuum_naptime '
                                   || current_setting('autovacuum_naptime') || ', max_wal_size '
                                   || current_setting('max_wal_size')""").mapTo(String.class).one());
        }
    }

    private static List<String> polling(BenchInfrastructure infra, String bootstrap) throws Exception {
        try (var ds = dataSource(infra.newDatabase("soak_polling"), infra.user())) {
            OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
            Jdbi jdbi = Jdbi.create(ds);
            String topic = newTopic(bootstrap, "soak-polling");
            // The service's relay configuration (ServiceRuntime): defaults, the events topic under the policy.
            var config = RelayConfig.builder("soak-polling")
                    .parkingPolicy(topic, POLICY)
                    .topics(topic)
                    .build();
            long before = tableBytes(jdbi);
            var acks = new Acks();
            var relayRef = new AtomicReference<Relay>();
            var writer = JdbiOutbox.writer(OutboxWriter.create(OutboxConfig.DEFAULTS, OutboxMode.TABLE, () -> {
                Relay r = relayRef.get();
                if (r != null) {
                    r.wakeUp();
                }
            }));
            Soak soak;
            try (Relay relay = PollingRelay.create(
                    ds,
                    KafkaProducers.create(bootstrap, "soak-polling", infrastructure.kafkaSettings()),
                    config,
                    acks)) {
                relay.start();
                relayRef.set(relay);
                soak = run(
                        "polling",
                        jdbi,
                        writer,
                        topic,
                        acks,
                        () -> String.format(
                                Locale.ROOT,
                                "table %s (largest %s), %s",
                                mb(tableBytes(jdbi)),
                                mb(MAX_TABLE.get()),
                                jdbi.withHandle(h ->
                                        h.createQuery("""
                                        SELECT 'heap ' || pg_relation_size(relid) / 1024 || ' kB, indexes '
                                               || pg_indexes_size(relid) / 1024 || ' kB, live ' || n_live_tup
                                               || ', dead ' || n_dead_tup || ', vacuums ' || vacuum_count
                                               || ', autovacuums ' || autovacuum_count
                                        FROM pg_stat_user_tables WHERE relname = 'outbox_event'""").mapTo(String.class).one())),
                        () -> MAX_TABLE.accumulateAndGet(tableBytes(jdbi), Math::max));
                // Acks are counted before the rows are deleted: the run ends when the outbox is empty.
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (System.nanoTime() < deadline
                        && jdbi.withHandle(h -> h.createQuery("SELECT EXISTS (SELECT 1 FROM outbox_event)")
                                .mapTo(Boolean.class)
                                .one())) {
                    Thread.sleep(10);
                }
                // The relay gives the file back once the outbox is empty (OutboxVacuum): what the table keeps
                // after the run is what it is once the relay has had the chance, with the relay still running.
                long emptyAt = System.nanoTime();
                long giveBack = emptyAt + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < giveBack
                        && jdbi.withHandle(h -> h.createQuery("SELECT pg_relation_size('outbox_event')")
                                        .mapTo(Long.class)
                                        .one())
                                >= 1024 * 1024) {
                    Thread.sleep(100);
                }
                System.out.printf(
                        Locale.ROOT,
                        "polling: the outbox was empty; heap below 1 MB (or given up) %.1f s later%n",
                        (System.nanoTime() - emptyAt) / 1e9);
            }
            String breakdown =
                    jdbi.withHandle(h -> h.createQuery("""
                            SELECT 'heap ' || pg_relation_size(c.oid) / 1024 || ' kB, indexes '
                                   || pg_indexes_size(c.oid) / 1024 || ' kB, TOAST '
                                   || coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) / 1024
                                   || ' kB; per index: ' || (SELECT string_agg(i.relname || ' '
                                          || pg_relation_size(i.oid) / 1024 || ' kB', ', ' ORDER BY i.relname)
                                      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                                      WHERE x.indrelid = c.oid)
                                   || '; live ' || s.n_live_tup || ', dead ' || s.n_dead_tup || ', autovacuums '
                                   || s.autovacuum_count || ', last autovacuum '
                                   || coalesce(s.last_autovacuum::text, 'never')
                            FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
                            WHERE c.relname = 'outbox_event'""").mapTo(String.class).one());
            long after = tableBytes(jdbi);
            long heapAfter = jdbi.withHandle(h -> h.createQuery("SELECT pg_relation_size('outbox_event')")
                    .mapTo(Long.class)
                    .one());
            MAX_TABLE.accumulateAndGet(after, Math::max);
            jdbi.useHandle(h -> h.execute("VACUUM outbox_event"));
            long vacuumed = tableBytes(jdbi);
            System.out.printf(
                    Locale.ROOT,
                    "polling: outbox_event on disk before the run %s, after it %s (%s); after a manual VACUUM %s%n",
                    mb(before),
                    mb(after),
                    breakdown,
                    mb(vacuumed));
            var lines = new ArrayList<>(common(soak));
            lines.add(result("soak.polling.outbox_table_size", after / 1048576.0, "MB", null, "value<10"));
            lines.add(result("soak.polling.outbox_heap_size", heapAfter / 1048576.0, "MB", null, "-"));
            lines.add(result("soak.polling.outbox_index_size", (after - heapAfter) / 1048576.0, "MB", null, "-"));
            lines.add(result("soak.polling.outbox_table_size_max", MAX_TABLE.get() / 1048576.0, "MB", null, "-"));
            return lines;
        }
    }

    private static List<String> cdc(BenchInfrastructure infra, String bootstrap) throws Exception {
        String url = infra.newDatabase("soak_cdc");
        try (var ds = dataSource(url, infra.user())) {
            OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
            Jdbi jdbi = Jdbi.create(ds);
            String topic = newTopic(bootstrap, "soak-cdc");
            var config = CdcConfig.builder("soak-cdc", url, infra.user(), infra.password())
                    .slotName("soak_cdc_" + ProcessHandle.current().pid())
                    .publicationName("soak_cdc")
                    .parkingPolicy(topic, POLICY)
                    .topics(topic)
                    .build();
            CdcSlots.ensurePublication(ds, config);
            CdcSlots.ensureSlot(ds, config);
            long wal0 = lsn(jdbi);
            var acks = new Acks();
            var writer =
                    JdbiOutbox.writer(OutboxWriter.create(OutboxConfig.DEFAULTS, OutboxMode.LOGICAL_MESSAGE, () -> {}));
            Soak soak;
            String atEnd;
            String settled;
            long retainedAtEnd;
            long retained;
            long walDir;
            try {
                try (Relay relay = CdcRelay.create(
                        ds,
                        KafkaProducers.create(bootstrap, "soak-cdc", infrastructure.kafkaSettings()),
                        config,
                        acks)) {
                    relay.start();
                    soak = run(
                            "cdc",
                            jdbi,
                            writer,
                            topic,
                            acks,
                            () -> slot(jdbi, config.slotName()),
                            () -> MAX_RETAINED.accumulateAndGet(retained(jdbi, config.slotName()), Math::max));
                    atEnd = slot(jdbi, config.slotName());
                    retainedAtEnd = retained(jdbi, config.slotName());
                    // restart_lsn moves only when the relay confirms and PostgreSQL has logged the running
                    // transactions since (the relay's SlotAdvancer, a checkpoint, or the background writer every
                    // 15 s): give it a minute to
                    // come within 1 MB of the end of the WAL, with no more writes.
                    long start = System.nanoTime();
                    long deadline = start + Duration.ofMinutes(1).toNanos();
                    while (System.nanoTime() < deadline && retained(jdbi, config.slotName()) > 1024 * 1024) {
                        Thread.sleep(200);
                    }
                    retained = retained(jdbi, config.slotName());
                    walDir = walDirBytes(jdbi);
                    settled = String.format(
                            Locale.ROOT,
                            "%s after %.1f s more",
                            slot(jdbi, config.slotName()),
                            (System.nanoTime() - start) / 1e9);
                }
            } finally {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline
                        && jdbi.withHandle(h -> h.createQuery("SELECT EXISTS (SELECT 1 FROM pg_replication_slots"
                                        + " WHERE slot_name = :s AND active)")
                                .bind("s", config.slotName())
                                .mapTo(Boolean.class)
                                .one())) {
                    Thread.sleep(100);
                }
                CdcSlots.drop(ds, config);
            }
            long wal = lsn(jdbi) - wal0;
            String offsets = jdbi.withHandle(
                    h -> h.createQuery("SELECT coalesce(pg_total_relation_size(to_regclass(:t)), 0) / 1024 || ' kB'")
                            .bind("t", config.offsetsTable())
                            .mapTo(String.class)
                            .one());
            System.out.printf(
                    Locale.ROOT,
                    "cdc: WAL written during the run %s (%d B per event); right after the last ack: %s; settled: %s;"
                            + " offsets table %s%n",
                    mb(wal),
                    wal / EVENTS,
                    atEnd,
                    settled,
                    offsets);
            var lines = new ArrayList<>(common(soak));
            lines.add(result("soak.cdc.retained_wal", retainedAtEnd / 1048576.0, "MB", null, "value<10"));
            lines.add(result("soak.cdc.retained_wal_settled", retained / 1048576.0, "MB", null, "value<10"));
            lines.add(result("soak.cdc.retained_wal_max", MAX_RETAINED.get() / 1048576.0, "MB", null, "-"));
            lines.add(result("soak.cdc.pg_wal_size", walDir / 1048576.0, "MB", null, "-"));
            return lines;
        }
    }

    /** Writes the events at the steady rate with the relay running, waits for every ack, and reports progress. */
    private static Soak run(
            String name,
            Jdbi jdbi,
            JdbiOutboxWriter writer,
            String topic,
            Acks acks,
            Supplier<String> footprint,
            Runnable everySecond)
            throws Exception {
        // Warm-up: one event through, so connections and metadata are ready; not counted.
        jdbi.useTransaction(h -> writer.append(h, OutboxEvent.of("Bench", "warm", "BenchEvent", topic, "{}")));
        while (acks.count.get() < 1) {
            Thread.sleep(5);
        }
        acks.count.set(0);
        var written = new AtomicLong();
        var maxBacklog = new AtomicLong();
        var next = new AtomicInteger();
        int transactions = (EVENTS + PER_TX - 1) / PER_TX;
        long[] committedAt = new long[transactions]; // by transaction, so the writers' own pace can be told apart
        long t0 = System.nanoTime();
        var sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(
                () -> {
                    long w = written.get();
                    long a = Math.min(acks.count.get(), EVENTS);
                    maxBacklog.accumulateAndGet(w - a, Math::max);
                    String f;
                    try {
                        f = footprint.get();
                    } catch (RuntimeException e) {
                        f = e.toString();
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "%s t=%4ds written %7d acked %7d backlog %6d; %s%n",
                            name,
                            (System.nanoTime() - t0) / 1_000_000_000L,
                            w,
                            a,
                            w - a,
                            f);
                },
                SAMPLE,
                SAMPLE,
                TimeUnit.SECONDS);
        sampler.scheduleAtFixedRate(
                () -> {
                    try {
                        everySecond.run();
                    } catch (RuntimeException e) {
                        // a sample missed; the next one follows
                    }
                },
                1,
                1,
                TimeUnit.SECONDS);
        double writeRate;
        try {
            try (var pool = Executors.newFixedThreadPool(WRITERS)) {
                for (int t = 0; t < WRITERS; t++) {
                    pool.submit(() -> {
                        for (int tx; (tx = next.getAndIncrement()) < transactions; ) {
                            int first = tx * PER_TX;
                            int last = Math.min(EVENTS, first + PER_TX);
                            long due = t0 + (long) (first * 1e9 / RATE);
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait); // pacing the offered load
                            }
                            jdbi.useTransaction(h -> {
                                for (int i = first; i < last; i++) {
                                    writer.append(
                                            h,
                                            OutboxEvent.of(
                                                    "Bench",
                                                    "key-" + (i % KEYS),
                                                    "BenchEvent",
                                                    topic,
                                                    CdcBenchmark.payload(i, SIZE)));
                                }
                            });
                            committedAt[tx] = System.nanoTime();
                            written.addAndGet(last - first);
                        }
                        return null;
                    });
                }
            }
            writeRate = EVENTS / ((System.nanoTime() - t0) / 1e9);
            long backlogAtEnd = EVENTS - Math.min(acks.count.get(), EVENTS);
            maxBacklog.accumulateAndGet(backlogAtEnd, Math::max);
            System.out.printf(
                    Locale.ROOT,
                    "%s: wrote %d events at %.0f events/s; backlog when the writers finished %d%n",
                    name,
                    EVENTS,
                    writeRate,
                    backlogAtEnd);
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (acks.count.get() < EVENTS) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + ": only " + acks.count.get() + " of " + EVENTS
                            + " acks 10 minutes after the writes");
                }
                Thread.sleep(5);
            }
        } finally {
            sampler.shutdownNow();
        }
        int windowTx = Math.max(2, WINDOW / PER_TX);
        long[] commits = committedAt.clone();
        Arrays.sort(commits);
        var soak = new Soak(
                name,
                writeRate,
                (windowTx - 1) * PER_TX / ((commits[windowTx - 1] - commits[0]) / 1e9),
                (windowTx - 1) * PER_TX / ((commits[transactions - 1] - commits[transactions - windowTx]) / 1e9),
                acks.rate(0, WINDOW),
                acks.rate(EVENTS - WINDOW, EVENTS),
                acks.percentileMillis(0, WINDOW, 0.50),
                acks.percentileMillis(0, WINDOW, 0.99),
                acks.percentileMillis(EVENTS - WINDOW, EVENTS, 0.50),
                acks.percentileMillis(EVENTS - WINDOW, EVENTS, 0.99),
                maxBacklog.get());
        System.out.printf(
                Locale.ROOT,
                "%s: first %d acks %.0f events/s (p50 %.1f ms, p99 %.1f ms), last %d acks %.0f events/s (p50 %.1f ms,"
                        + " p99 %.1f ms); largest backlog seen %d; the writers' own pace: first %d events %.0f/s, last"
                        + " %.0f/s%n",
                name,
                WINDOW,
                soak.firstRate(),
                soak.firstP50(),
                soak.firstP99(),
                WINDOW,
                soak.lastRate(),
                soak.lastP50(),
                soak.lastP99(),
                soak.maxBacklog(),
                WINDOW,
                soak.firstWriteRate(),
                soak.lastWriteRate());
        return soak;
    }

    private static List<String> common(Soak s) {
        String p = "soak." + s.relay() + ".";
        return List.of(
                result(p + "throughput_last_window", s.lastRate(), "events/s", s.firstRate(), "ratio>=0.9"),
                result(p + "p99_last_window", s.lastP99(), "ms", s.firstP99(), "-"),
                result(p + "write_rate", s.writeRate(), "events/s", (double) RATE, "-"),
                result(p + "write_rate_last_window", s.lastWriteRate(), "events/s", s.firstWriteRate(), "-"),
                result(p + "max_backlog", s.maxBacklog(), "events", null, "-"));
    }

    /** One line of the {@code ops/bench/all.sh} convention; no reference gives {@code reference=- ratio=-}. */
    static String result(String name, double value, String unit, Double reference, String goal) {
        return String.format(
                Locale.ROOT,
                "RESULT %s %s %s reference=%s ratio=%s goal=%s",
                name,
                num(value),
                unit,
                reference == null ? "-" : num(reference),
                reference == null || reference == 0 ? "-" : String.format(Locale.ROOT, "%.2f", value / reference),
                goal);
    }

    private static String num(double v) {
        return Math.abs(v) >= 100 || v == Math.rint(v)
                ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String slot(Jdbi jdbi, String slot) {
        MAX_RETAINED.accumulateAndGet(retained(jdbi, slot), Math::max);
        return jdbi.withHandle(h ->
                h.createQuery("""
                        SELECT 'slot retains ' || round((pg_current_wal_lsn() - restart_lsn) / 1048576.0, 1)
                               || ' MB (restart_lsn), ' || round((pg_current_wal_lsn() - confirmed_flush_lsn)
                               / 1048576.0, 1) || ' MB (confirmed_flush_lsn), pg_wal '
                               || (SELECT sum(size) FROM pg_ls_waldir())::bigint / 1048576 || ' MB'
                        FROM pg_replication_slots WHERE slot_name = :s""").bind("s", slot).mapTo(String.class).findOne().orElse("no slot"));
    }

    private static long retained(Jdbi jdbi, String slot) {
        return jdbi.withHandle(h -> h.createQuery("SELECT CAST(pg_current_wal_lsn() - restart_lsn AS bigint)"
                        + " FROM pg_replication_slots WHERE slot_name = :s")
                .bind("s", slot)
                .mapTo(Long.class)
                .one());
    }

    private static long walDirBytes(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT CAST(sum(size) AS bigint) FROM pg_ls_waldir()")
                .mapTo(Long.class)
                .one());
    }

    private static long lsn(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT CAST(pg_current_wal_lsn() - '0/0' AS bigint)")
                .mapTo(Long.class)
                .one());
    }

    private static long tableBytes(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT pg_total_relation_size('outbox_event')")
                .mapTo(Long.class)
                .one());
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }

    private static HikariDataSource dataSource(String url, String user) {
        return TestPools.pool(url, WRITERS + 12)
                .user(user, infrastructure.password())
                .open();
    }

    private static String newTopic(String bootstrap, String name) {
        return infrastructure.newTopic(name, 8);
    }
}
