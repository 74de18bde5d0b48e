package io.walletoutbox.ops.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The scenarios of a failing biller (one biller; two, one down, are {@link TwoBillersScenario}): a schedule of 503s,
 * charges whose answers are dropped, timeouts and latency ({@code biller-faults}); and, of issue 13 (money never
 * stuck), an outage longer than the reconciliation horizon and a biller refusing the service's credential for a
 * while. Each checks I1–I7 like every scenario, plus what it is about (its violations are filed under the invariant
 * they belong to).
 */
final class BillerScenarios {
    private BillerScenarios() {}

    /** The credential the services send in {@code biller-unauthorized-for-a-while}. */
    static final String SERVICE_KEY = "chaos-biller-key-1";

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static boolean longMode(ScenarioRun r) {
        return r.load.duration().toSeconds() >= 30;
    }

    // ---------------------------------------------------------------------------------------------------------
    // biller-faults

    static Optional<String> billerFaults(ScenarioRun r) throws Exception {
        r.declineShare = 0.25;
        r.startLoad();
        r.cluster.simFaults("{\"errorRate\":0.8}");
        r.fault("biller 80% 503s");
        r.sleepUntil(0.25);
        r.cluster.simFaults("{\"errorRate\":0.0,\"dropResponseRate\":0.4}");
        r.fault("biller 40% charge-then-drop");
        r.sleepUntil(0.5);
        r.cluster.simFaults("{\"dropResponseRate\":0.0,\"timeoutRate\":0.15,\"latencyMs\":" + r.rnd.nextInt(200) + "}");
        r.fault("biller 15% timeouts + latency");
        r.sleepUntil(0.75);
        r.cluster.simFaults("{\"timeoutRate\":0.0,\"latencyMs\":0,\"failNext\":5,\"dropNext\":5}");
        r.fault("biller failNext 5, dropNext 5");
        r.awaitLoad();
        r.cluster.simClearFaults();
        r.fault("25% of payments to declining customers");
        return Optional.empty();
    }

    // ---------------------------------------------------------------------------------------------------------
    // biller-outage-past-horizon

    /** The reconciliation horizon and re-check interval of {@code biller-outage-past-horizon}. */
    static final Duration OUTAGE_HORIZON = Duration.ofSeconds(5);

    static final Duration OUTAGE_RECHECK = Duration.ofSeconds(2);

    static void outagePastHorizonSetup(ScenarioRun r) {
        r.env.put("RECONCILIATION_AFTER", OUTAGE_HORIZON.toSeconds() + "s");
        r.env.put("RECONCILIATION_INTERVAL", OUTAGE_RECHECK.toSeconds() + "s");
        r.declineShare = 0.2;
    }

    /**
     * The biller answers nothing for longer than the horizon: a seeded share of payment requests get {@code 503},
     * a few hang past the client's timeout, the rest are charged and their answers dropped, and status queries
     * fail. The consumers put the payments whose outcome stayed unknown past the horizon in reconciliation; then the
     * biller comes back and the reconciliation job, asking again every few seconds with backoff, must settle every
     * entry on its own: charged ones SUCCEEDED (or FAILED and refunded when declined), never-charged ones charged
     * again under the same key. No operator acts (nothing in {@code admin_audit}, no entry resolved by one).
     */
    static Optional<String> outagePastHorizon(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.1, 0.25));
        double errors = r.between(0.4, 0.7);
        double timeouts = longMode(r) ? r.between(0.05, 0.15) : 0.05;
        r.cluster.simFaults(String.format(
                Locale.ROOT,
                "{\"errorRate\":%.2f,\"timeoutRate\":%.2f,\"dropResponseRate\":1.0,\"failStatus\":true}",
                errors,
                timeouts));
        r.fault(String.format(
                Locale.ROOT,
                "biller answers nothing: %.0f%% 503s, %.0f%% hang, the rest charged and dropped, status 503",
                errors * 100,
                timeouts * 100));
        // Longer than the horizon by a seeded margin: payments reach reconciliation while the biller is still
        // down, and the job's first checks fail too.
        long outage = OUTAGE_HORIZON.toMillis()
                + (longMode(r) ? 20_000 + r.rnd.nextInt(10_000) : 5_000 + r.rnd.nextInt(3_000));
        Cluster.sleep(outage);
        r.cluster.simClearFaults();
        r.fault("biller back after " + outage + "ms (horizon " + OUTAGE_HORIZON.toSeconds() + "s)");
        r.awaitLoad();
        r.checks.add((c, checker) -> {
            long entries = single(c, "SELECT count(*) FROM provider_reconciliation");
            if (entries == 0) {
                checker.fail("I7", "no payment reached reconciliation: the outage did not outlast the horizon");
            }
            long notByJob =
                    single(c, "SELECT count(*) FROM provider_reconciliation WHERE resolved_how IS DISTINCT FROM 'job'");
            if (notByJob > 0) {
                checker.fail(
                        "I7",
                        notByJob + " reconciliation entries not resolved by the job (unresolved or by an"
                                + " operator)");
            }
            // An unknown outcome past the horizon (the consumer's hand-over), or a payment PENDING past it whose
            // consumer was still retrying (the job's no-progress sweep takes it over): both settled by the job.
            long otherReason = single(
                    c,
                    "SELECT count(*) FROM provider_reconciliation"
                            + " WHERE reason NOT IN ('unknown-outcome', 'no-progress')");
            if (otherReason > 0) {
                checker.fail(
                        "I7",
                        otherReason + " entries in reconciliation for another reason than an unknown outcome or no"
                                + " progress");
            }
        });
        return Optional.empty();
    }

    // ---------------------------------------------------------------------------------------------------------
    // biller-unauthorized-for-a-while

    /** The horizon of {@code biller-unauthorized-for-a-while}: far shorter than the time the biller refuses us. */
    static final Duration UNAUTHORIZED_HORIZON = Duration.ofSeconds(3);

    static void unauthorizedSetup(ScenarioRun r) throws Exception {
        r.env.put("PROVIDER_API_KEY", SERVICE_KEY);
        r.env.put("RECONCILIATION_AFTER", UNAUTHORIZED_HORIZON.toSeconds() + "s");
        r.declineShare = 0.0; // every payment must end SUCCEEDED
        r.cluster.simFaults("{\"requireApiKey\":\"" + SERVICE_KEY + "\"}");
    }

    /**
     * The services send their key and the biller accepts it; then the biller requires another one (a rotated
     * credential: every payment request and status query is answered {@code 401}) for several times the
     * reconciliation horizon; then it accepts the services' key again. A configuration fault says nothing about a
     * payment: none may be FAILED, none may go to reconciliation (the horizon is 3 s here, so counting the refusal
     * towards it would send them there), and all must be SUCCEEDED once the biller accepts the key again. The
     * payments made while it refused must have waited for it (else the fault was not seen), and the consumer must
     * have counted the 401s ({@code biller_config_faults}).
     */
    static Optional<String> unauthorized(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.15, 0.3));
        r.cluster.simFaults("{\"requireApiKey\":\"chaos-rotated-key-" + r.seed + "\"}");
        Instant refusedFrom = Instant.now();
        r.fault("biller requires another key: 401 to every request");
        long refuse = longMode(r) ? 15_000 + r.rnd.nextInt(10_000) : 7_000 + r.rnd.nextInt(2_000);
        Cluster.sleep(refuse);
        Instant acceptedFrom = Instant.now();
        r.cluster.simFaults("{\"requireApiKey\":\"" + SERVICE_KEY + "\"}");
        r.fault("biller accepts the services' key again after " + refuse + "ms");
        r.awaitLoad();
        r.checks.add((c, checker) -> {
            long failed = single(c, "SELECT count(*) FROM bill_payment WHERE status = 'FAILED'");
            if (failed > 0) {
                checker.fail("I3", failed + " payments FAILED; the biller only refused the credential");
            }
            long notSucceeded = single(c, "SELECT count(*) FROM bill_payment WHERE status <> 'SUCCEEDED'");
            if (notSucceeded > 0) {
                checker.fail("I7", notSucceeded + " payments not SUCCEEDED after the biller accepted the key again");
            }
            long entries = single(c, "SELECT count(*) FROM provider_reconciliation");
            if (entries > 0) {
                checker.fail("I7", entries + " payments went to reconciliation for a configuration fault");
            }
            long held;
            long early;
            try (var ps = c.prepareStatement("""
                    SELECT count(*), count(*) FILTER (WHERE completed_at < ?)
                    FROM bill_payment WHERE created_at >= ? AND created_at < ?""")) {
                ps.setTimestamp(1, Timestamp.from(acceptedFrom));
                ps.setTimestamp(2, Timestamp.from(refusedFrom));
                ps.setTimestamp(3, Timestamp.from(acceptedFrom));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    held = rs.getLong(1);
                    early = rs.getLong(2);
                }
            }
            long faults401 =
                    metricSum(r.service("consumer-a").managementPort, "biller_config_faults", "status=\"401\"");
            r.notes.add("held=" + held + " config-faults-401=" + faults401);
            if (held == 0) {
                checker.fail("I7", "no payment was made while the biller refused the key: the scenario proved nothing");
            }
            if (early > 0) {
                checker.fail("I4", early + " payments completed while the biller refused every request");
            }
            if (faults401 == 0) {
                checker.fail("I7", "consumer-a counted no 401 from the biller (biller_config_faults)");
            }
        });
        return Optional.empty();
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The sum of the Prometheus samples on a service's {@code /metrics} whose name starts with {@code prefix} and
     * whose labels contain {@code label}; 0 when it does not answer.
     */
    static long metricSum(int managementPort, String prefix, String label) {
        try {
            var response = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            double sum = 0;
            for (String line : response.body().lines().toList()) {
                if (line.startsWith(prefix) && line.contains(label)) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return Math.round(sum);
        } catch (Exception e) {
            return 0;
        }
    }
}
