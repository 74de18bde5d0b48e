package io.walletoutbox.ops.chaos;

import io.walletoutbox.ops.chaos.Cluster.Service;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * One scenario with one seed: its services, wallets, payment plan, the load running in the background, and the
 * faults injected so far (each with the second it happened, for the report). Every random choice comes from
 * {@link #rnd}, seeded from the scenario's seed.
 */
final class ScenarioRun {
    /** Load sizes of a mode. */
    record Load(int wallets, int payments, Duration duration, int workers, Duration quiescence) {}

    final Cluster cluster;
    final String name;
    final long seed;
    final Random rnd;
    final Load load;
    final String tag;
    final Driver driver;
    final List<String> faults = new ArrayList<>();
    /** Records the tool wrote onto the events topic (foreign, malformed), each with what must become of it. */
    final List<Checker.Injected> injected = new ArrayList<>();

    final Set<UUID> toolPayments = new HashSet<>();
    /** Payments whose BillPaymentRequested an operator discarded (see {@link Checker.Expectations}). */
    final Set<UUID> discarded = new HashSet<>();

    List<UUID> wallets = List.of();
    double declineShare = 0.1;
    /** The billers the plan pays (wallet i pays billers[i % n]); set before {@link #startLoad}. */
    List<String> billers = List.of("wifi");
    /** Settings every service of the scenario gets (besides the suite's own); see {@link #define}. */
    final Map<String, String> env = new LinkedHashMap<>();
    /** For each biller with a simulator of its own, that simulator's name (I4 checks who charged what). */
    final Map<String, String> billerSimulators = new LinkedHashMap<>();
    /**
     * How many payments may rest in reconciliation at the end (I7), and why; zero unless the scenario says why.
     */
    int reconciliationCap;

    String reconciliationWhy;
    /** The scenario's own checks, run after the common ones (each adds violations to the checker). */
    final List<Check> checks = new ArrayList<>();
    /** Measurements for the report line ({@code name=value}). */
    final List<String> notes = new ArrayList<>();

    /** A scenario's own check, after quiescence. */
    @FunctionalInterface
    interface Check {
        void run(Connection c, Checker checker) throws Exception;
    }

    /** Sends requests without a valid token beside the load; null until the load starts. */
    Intruder intruder;

    private Thread loadThread;
    private Thread intruderThread;
    private volatile Throwable loadFailure;
    private volatile Throwable intruderFailure;
    private long t0;
    /** Wall-clock time the load started (for comparing with the database's timestamps). */
    java.time.Instant loadStartedAt;

    ScenarioRun(Cluster cluster, String name, long seed, Load load, String tag) {
        this.cluster = cluster;
        this.name = name;
        this.seed = seed;
        this.rnd = new Random(seed * 1_000_003L + name.hashCode());
        this.load = load;
        this.tag = tag;
        this.driver = new Driver(() -> cluster.service("api").port, cluster.tokens());
    }

    /** Records a fault with the time since the load started ({@code @setup} before it started). */
    void fault(String text) {
        faults.add(t0 == 0 ? text + "@setup" : String.format("%s@%.1fs", text, (System.nanoTime() - t0) / 1e9));
    }

    Service service(String name) {
        return cluster.service(name);
    }

    /** Declares a service with the scenario's settings ({@link #env}) and {@code extra} on top. */
    Service define(String name, String roles, Map<String, String> extra) {
        Map<String, String> all = new LinkedHashMap<>(env);
        all.putAll(extra);
        return cluster.define(name, roles, all);
    }

    /** Sets how many payments may rest in reconciliation at the end, and why (reported). */
    void allowReconciliation(int cap, String why) {
        reconciliationCap = cap;
        reconciliationWhy = why;
    }

    Connection db() {
        try {
            return cluster.db();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to PostgreSQL: " + e.getMessage(), e);
        }
    }

    /**
     * Creates the wallets and starts sending the payment plan in the background, and beside it the {@link
     * Intruder}'s requests, which stop when the load has finished.
     */
    void startLoad() throws Exception {
        wallets = driver.createWallets(load.wallets(), "chaos-" + tag, 1_000_000_000L);
        var plan = Driver.plan(rnd, wallets, load.payments(), tag, declineShare, billers);
        t0 = System.nanoTime();
        loadStartedAt = java.time.Instant.now();
        loadThread = Thread.ofPlatform().name("load").start(() -> {
            try {
                driver.run(plan, load.duration(), load.workers(), Duration.ofSeconds(120));
            } catch (Throwable e) {
                loadFailure = e;
            }
        });
        intruder = new Intruder(
                cluster.issuer(),
                cluster.foreignIssuer(),
                cluster.tokens(),
                () -> cluster.service("api").port,
                () -> cluster.service("api").managementPort,
                driver.owners,
                wallets,
                tag,
                // its own stream: the scenario's seeded choices stay those of earlier versions of the suite
                seed * 1_000_003L + name.hashCode() + 1);
        intruderThread = Thread.ofPlatform().name("intruder").start(() -> {
            try {
                intruder.run(loadThread::isAlive);
            } catch (Throwable e) {
                intruderFailure = e;
            }
        });
    }

    /** Seconds since the load started. */
    double elapsed() {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Sleeps until {@code fraction} of the load's duration has passed (a no-op when it has). */
    void sleepUntil(double fraction) {
        long due = t0 + (long) (load.duration().toNanos() * fraction);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            Cluster.sleep(wait / 1_000_000);
        }
    }

    /** A seeded fraction of the load's duration in [from, to). */
    double between(double from, double to) {
        return from + rnd.nextDouble() * (to - from);
    }

    /** A fault's start: does it and says what it did (recorded with its time). */
    @FunctionalInterface
    interface Inject {
        String run() throws Exception;
    }

    /** A fault's end, after {@code heldMs}: undoes it and says what it did (recorded with its time). */
    @FunctionalInterface
    interface Recover {
        String run(long heldMs) throws Exception;
    }

    /**
     * The shape most scenarios share: starts the load, waits until a seeded point in [{@code from}, {@code to}) of
     * its duration, injects the fault, holds it for {@code hold} milliseconds (drawn after the injection, so the
     * seeded choices come in the order earlier versions of the suite drew them), recovers, and waits for the load.
     */
    void outage(double from, double to, Inject inject, java.util.function.LongSupplier hold, Recover recover)
            throws Exception {
        startLoad();
        sleepUntil(between(from, to));
        fault(inject.run());
        long held = hold.getAsLong();
        Cluster.sleep(held);
        fault(recover.run(held));
        awaitLoad();
    }

    /** Waits for the load to finish (bounded by the driver's own deadlines). */
    void awaitLoad() throws Exception {
        loadThread.join(Duration.ofMinutes(5));
        if (loadThread.isAlive()) {
            throw new IllegalStateException("the load did not finish in 5 minutes");
        }
        intruderThread.join(Duration.ofSeconds(30));
        if (loadFailure != null) {
            throw new IllegalStateException("load failed: " + loadFailure, loadFailure);
        }
        if (intruderThread.isAlive() || intruderFailure != null) {
            throw new IllegalStateException("the intruder failed: " + intruderFailure, intruderFailure);
        }
    }

    boolean loadRunning() {
        return loadThread != null && loadThread.isAlive();
    }

    /** Polls {@code sql} (one text column) until it returns rows or {@code timeout} passes; returns them. */
    List<String> awaitNames(String sql, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> names = new ArrayList<>();
            try (Connection c = db();
                    var s = c.createStatement();
                    var rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            } catch (Exception e) {
                // retry
            }
            if (!names.isEmpty()) {
                return names;
            }
            Cluster.sleep(50);
        }
        return List.of();
    }

    void sql(String sql) throws SQLException {
        try (Connection c = db();
                var s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
