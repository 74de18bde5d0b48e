package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * {@code late-landing-charges}: the biller applies a share of charges after the client gave up on them, and an
 * operator keeps trying to decline the payments that went to reconciliation meanwhile. A charge that may still
 * land must never be refunded: the operator's DECLINED is refused ({@code 409 attempt-in-flight}, with {@code
 * Retry-After}) until the biller's in-flight bound has passed, or ({@code 409 contradicts-biller}) once the biller
 * says it charged; the job settles each entry from the biller's answer. A payment the biller charged ends SUCCEEDED,
 * never FAILED and refunded (I4: charged exactly once iff SUCCEEDED).
 */
final class LateLandingScenario {
    private LateLandingScenario() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The consumer's timeout for {@code wifi}: far below the time a late charge takes to land. */
    static final Duration TIMEOUT = Duration.ofSeconds(1);

    /** {@code wifi.in-flight-bound}: above the longest {@code landAfterMs} the scenario draws. */
    static final Duration IN_FLIGHT_BOUND = Duration.ofSeconds(15);

    /** The reconciliation horizon: a held payment reaches reconciliation before its charge lands. */
    static final Duration HORIZON = Duration.ofSeconds(2);

    /** The operator's reason: a customer insists the bill was never paid. */
    static final String REASON = "chaos: the customer says the biller never charged this bill";

    /** The answers to an operator's DECLINED that are no violation (a 200 is judged by the payment's end). */
    private static final Set<String> REFUSALS =
            Set.of("409 attempt-in-flight", "409 contradicts-biller", "409 resolved-otherwise");

    static void setup(ScenarioRun r) throws Exception {
        r.env.put("BILLERS", "wifi");
        r.env.put(
                "BILLERS_FILE",
                MoneyPathScenarios.billersFile("wifi.timeout=" + TIMEOUT.toSeconds() + "s\nwifi.in-flight-bound="
                                + IN_FLIGHT_BOUND.toSeconds() + "s\n")
                        .toString());
        r.env.put("RECONCILIATION_AFTER", HORIZON.toSeconds() + "s");
        r.env.put("RECONCILIATION_INTERVAL", "1s");
        r.declineShare = 0.2;
    }

    /** One attempt of the operator: the payment, the answer, and when (seconds since the load started). */
    private record Attempt(UUID payment, Operator.Answer answer, double at) {}

    static Optional<String> run(ScenarioRun r) throws Exception {
        double rate = MoneyPathScenarios.longMode(r) ? r.between(0.5, 0.8) : r.between(0.6, 0.9);
        // Past the client's timeout and the horizon (the payment is in reconciliation before its charge lands),
        // within the in-flight bound.
        long landAfter = 4_000 + r.rnd.nextInt(4_000);
        r.cluster.simFaults(
                String.format(Locale.ROOT, "{\"lateLandingRate\":%.2f,\"landAfterMs\":%d}", rate, landAfter));
        r.fault(String.format(
                Locale.ROOT,
                "%.0f%% of charges land %dms after arrival, unanswered (timeout %ds, horizon %ds, in-flight bound %ds)",
                rate * 100,
                landAfter,
                TIMEOUT.toSeconds(),
                HORIZON.toSeconds(),
                IN_FLIGHT_BOUND.toSeconds()));
        Operator operator = Operator.of(r);
        List<Attempt> attempts = new ArrayList<>();
        List<String> listingFailures = new ArrayList<>();
        r.startLoad();
        // The operator works while the load runs and afterwards, until no entry is left (or the quiescence time).
        long deadline =
                System.nanoTime() + r.load.duration().plus(r.load.quiescence()).toNanos();
        boolean cleared = false;
        while (System.nanoTime() < deadline) {
            if (!cleared && !r.loadRunning()) {
                r.cluster.simFaults("{\"lateLandingRate\":0.0,\"landAfterMs\":0}");
                r.fault("late landing off (held charges still land on time)");
                cleared = true;
            }
            List<UUID> entries = entries(r, operator, listingFailures);
            if (cleared && entries.isEmpty() && pendingOutsideReconciliation(r) == 0) {
                break;
            }
            // A few entries per round, seeded: about 16 requests a second, well below the per-principal limit.
            List<UUID> pick = new ArrayList<>(entries);
            Collections.shuffle(pick, r.rnd);
            for (UUID payment : pick.subList(0, Math.min(4, pick.size()))) {
                attempts.add(new Attempt(payment, operator.resolve(payment, "DECLINED", REASON), r.elapsed()));
            }
            Cluster.sleep(250); // the operator's pace, not a wait for an outcome
        }
        r.awaitLoad();
        r.checks.add((c, checker) -> {
            if (!listingFailures.isEmpty()) {
                checker.fail(
                        "I7",
                        listingFailures.size() + " of the operator's GET /admin/reconciliation failed (the entries"
                                + " were read from the database instead); the first: " + listingFailures.getFirst());
            }
            check(r, c, checker, attempts);
        });
        return Optional.empty();
    }

    /**
     * The unresolved entries as the operator lists them; when the listing fails (recorded, and a violation), as the
     * database has them, so the rest of the scenario still runs.
     */
    private static List<UUID> entries(ScenarioRun r, Operator operator, List<String> failures) throws Exception {
        try {
            return operator.reconciliation().stream()
                    .map(e -> UUID.fromString(e.path("paymentId").asText()))
                    .toList();
        } catch (IllegalStateException e) {
            failures.add(e.getMessage());
        }
        List<UUID> ids = new ArrayList<>();
        try (Connection c = r.db();
                var s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT payment_id FROM provider_reconciliation WHERE resolved_at IS NULL ORDER BY recorded_at")) {
            while (rs.next()) {
                ids.add(rs.getObject(1, UUID.class));
            }
        }
        return ids;
    }

    private static long pendingOutsideReconciliation(ScenarioRun r) throws Exception {
        return MoneyPathScenarios.count(r, """
                SELECT count(*) FROM bill_payment p WHERE status = 'PENDING'
                  AND NOT EXISTS (SELECT 1 FROM provider_reconciliation e WHERE e.payment_id = p.id)""");
    }

    /**
     * Every answer the operator got is a refusal that says why (an {@code attempt-in-flight} with {@code
     * Retry-After}) or an accepted DECLINED (200) of a payment that ends FAILED and uncharged; the operator met at
     * least one attempt in flight; no payment was charged and refunded, no entry is a contradiction.
     */
    private static void check(ScenarioRun r, Connection c, Checker checker, List<Attempt> attempts) throws Exception {
        Map<String, Integer> byAnswer = new TreeMap<>();
        Set<UUID> accepted = new HashSet<>();
        for (Attempt a : attempts) {
            String label = a.answer().label();
            byAnswer.merge(label, 1, Integer::sum);
            int status = a.answer().status();
            if (status == 200) {
                accepted.add(a.payment());
            } else if (label.equals("409 attempt-in-flight")
                    && a.answer().retryAfter().isEmpty()) {
                checker.fail(
                        "I7", "operator's DECLINED of " + a.payment() + " refused as in flight without Retry-After");
            } else if (!REFUSALS.contains(label) && status != 429 && status != -1 && status < 500) {
                checker.fail(
                        "I7",
                        String.format(
                                Locale.ROOT,
                                "operator's DECLINED of %s at %.1fs answered %s: %s",
                                a.payment(),
                                a.at(),
                                label,
                                a.answer().body()));
            }
        }
        long entries = MoneyPathScenarios.count(c, "SELECT count(*) FROM provider_reconciliation");
        long landed = MoneyPathScenarios.count(c, """
                SELECT count(*) FROM provider_reconciliation
                WHERE resolved_outcome = 'PAID' AND recharges = 0 AND reason = 'unknown-outcome'""");
        r.notes.add("entries=" + entries + " paid-by-late-landing=" + landed + " operator=" + attempts.size()
                + byAnswer.toString().replace(", ", " ").replace('=', ':'));
        if (entries == 0) {
            checker.fail("I7", "no payment reached reconciliation: no charge was held past the horizon");
        }
        if (byAnswer.getOrDefault("409 attempt-in-flight", 0) == 0) {
            checker.fail("I7", "the operator never met an attempt in flight: the scenario proved nothing");
        }
        Set<String> charged = new HashSet<>();
        for (JsonNode ch : JSON.readTree(r.cluster.simGet("/v1/charges"))) {
            charged.add(ch.path("idempotencyKey").asText());
        }
        for (UUID p : accepted) {
            String status = status(c, p);
            if (charged.contains(p.toString())) {
                checker.fail(
                        "I4",
                        "the operator's DECLINED of payment " + p + " was accepted, and the biller charged"
                                + " it (now " + status + ")");
            } else if (!"FAILED".equals(status)) {
                checker.fail("I3", "the operator's DECLINED of payment " + p + " was accepted; it is " + status);
            }
        }
        long contradictions = MoneyPathScenarios.count(
                c, "SELECT count(*) FROM provider_reconciliation WHERE reason = 'contradiction'");
        long counted =
                BillerScenarios.metricSum(r.service("consumer-a").managementPort, "bill_payments_contradictions", "");
        if (contradictions > 0 || counted > 0) {
            checker.fail(
                    "I4",
                    contradictions + " contradiction entries, " + counted + " counted: the biller's answer"
                            + " contradicted a settled payment (a late charge landed on a payment decided without it)");
        }
    }

    private static String status(Connection c, UUID payment) throws Exception {
        try (var ps = c.prepareStatement("SELECT status FROM bill_payment WHERE id = ?")) {
            ps.setObject(1, payment);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "missing";
            }
        }
    }
}
