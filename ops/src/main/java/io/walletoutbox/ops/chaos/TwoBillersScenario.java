package io.walletoutbox.ops.chaos;

import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code two-billers-one-down} (issue 13): two billers, each a simulator of its own, one of them down for a while;
 * the other's payments must keep their healthy speed. Its setup serves {@code forged-records} too (a charge at the
 * wrong biller shows).
 */
final class TwoBillersScenario {
    private TwoBillersScenario() {}

    /** The name of the second simulator (it serves the {@code power} biller). */
    static final String POWER_SIM = "power";

    static void setup(ScenarioRun r) throws Exception {
        String powerUrl = r.cluster.simulator(POWER_SIM);
        r.env.put("BILLERS", "wifi,power=" + powerUrl);
        r.billers = List.of("wifi", "power");
        r.billerSimulators.put("wifi", Cluster.MAIN_SIM);
        r.billerSimulators.put("power", POWER_SIM);
    }

    /**
     * Two billers, each a simulator of its own; wallets pay one biller each (a wallet's payments run in order, so
     * a wallet with a payment waiting on {@code wifi} would hold its later {@code power} payments by design). First
     * both are up (the healthy reference), then {@code wifi} goes down (503 to everything on odd seeds, every request
     * hanging past the client's timeout on even ones) while payments keep coming to both, then it comes back. The
     * {@code power} payments made during the outage must complete at the healthy speed: the 99th percentile of their
     * creation-to-completion time at most {@link #SPEED_FACTOR} times the healthy one's (or {@link #SPEED_SLACK}
     * above it, whichever is larger); every {@code wifi} payment made during the outage completes after it ends.
     */
    static Optional<String> run(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(0.3);
        boolean hang = r.seed % 2 == 0;
        Instant downFrom = Instant.now();
        r.cluster.simFaults(Cluster.MAIN_SIM, hang ? "{\"timeoutRate\":1.0}" : "{\"errorRate\":1.0}");
        r.fault("wifi down (" + (hang ? "every request hangs" : "503 to every request") + ")");
        r.sleepUntil(0.75);
        Instant upFrom = Instant.now();
        r.cluster.simClearFaults();
        r.fault("wifi back");
        r.awaitLoad();
        Instant loadFrom = r.loadStartedAt;
        r.checks.add((c, checker) -> {
            List<Double> healthy = PaymentLatencies.latencies(c, null, loadFrom, downFrom);
            List<Double> power = PaymentLatencies.latencies(c, "power", downFrom, upFrom);
            List<Double> wifi = PaymentLatencies.latencies(c, "wifi", downFrom, upFrom);
            double healthyP99 = PaymentLatencies.percentile(healthy, 0.99);
            double powerP99 = PaymentLatencies.percentile(power, 0.99);
            double bound = Math.max(SPEED_FACTOR * healthyP99, healthyP99 + SPEED_SLACK.toMillis() / 1000.0);
            r.notes.add(String.format(
                    Locale.ROOT,
                    "latency=healthy:%d(p50 %.2fs p99 %.2fs) power-while-wifi-down:%d(p50 %.2fs p99 %.2fs,"
                            + " bound %.2fs) wifi-while-down:%d(p99 %.1fs)",
                    healthy.size(),
                    PaymentLatencies.percentile(healthy, 0.5),
                    healthyP99,
                    power.size(),
                    PaymentLatencies.percentile(power, 0.5),
                    powerP99,
                    bound,
                    wifi.size(),
                    PaymentLatencies.percentile(wifi, 0.99)));
            if (power.isEmpty() || wifi.isEmpty() || healthy.isEmpty()) {
                checker.fail(
                        "I7",
                        "too few payments to compare: healthy " + healthy.size() + ", power " + power.size() + ", wifi "
                                + wifi.size());
            } else if (powerP99 > bound) {
                checker.fail(
                        "I7",
                        String.format(
                                Locale.ROOT,
                                "power's payments slowed while wifi was down: p99 %.2fs > bound %.2fs (healthy p99"
                                        + " %.2fs)",
                                powerP99,
                                bound,
                                healthyP99));
            }
            try (var ps = c.prepareStatement("""
                    SELECT count(*) FROM bill_payment
                    WHERE biller = 'wifi' AND created_at >= ? AND created_at < ? AND completed_at < ?""")) {
                ps.setTimestamp(1, Timestamp.from(downFrom));
                ps.setTimestamp(2, Timestamp.from(upFrom));
                ps.setTimestamp(3, Timestamp.from(upFrom));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        checker.fail("I4", rs.getLong(1) + " wifi payments completed while wifi was down");
                    }
                }
            }
        });
        return Optional.empty();
    }

    /** See {@link #run}. */
    static final double SPEED_FACTOR = 2.0;

    static final Duration SPEED_SLACK = Duration.ofMillis(1000);
}
