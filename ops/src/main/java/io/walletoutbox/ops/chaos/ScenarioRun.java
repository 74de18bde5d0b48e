package io.walletoutbox.ops.chaos;

import io.walletoutbox.ops.chaos.Cluster.Service;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
    final Set<String> poisonIds = new HashSet<>();
    int poisonRecords;
    final Set<UUID> toolPayments = new HashSet<>();
    List<UUID> wallets = List.of();
    double declineShare = 0.1;
    /** Why the scenario cannot run in this build, when its body finds out. */
    String skipReason;

    /** Sends requests without a valid token beside the load; null until the load starts. */
    Intruder intruder;

    private Thread loadThread;
    private Thread intruderThread;
    private volatile Throwable loadFailure;
    private volatile Throwable intruderFailure;
    private long t0;

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
        var plan = Driver.plan(rnd, wallets, load.payments(), tag, declineShare);
        t0 = System.nanoTime();
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
