package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

/**
 * {@code discarded-payment-events}: Kafka rejects every record of the events topic for a while (its {@code
 * max.message.bytes} set far below any record: {@code RecordTooLargeException}, a rejection of the record itself),
 * so the relays park the events they were sending after their attempts ({@code BLOCK}: each wallet's later events
 * wait behind its parked one). Then the limit is restored and an operator works through {@code GET
 * /admin/outbox/parked}: outcome events are retried, payment requests discarded with a reason ({@code DELETE
 * /admin/outbox/parked/{id}}); for half of those (seeded) the operator also resolves the payment DECLINED at once.
 * A discarded request never reaches a biller: each of its payments must end FAILED and refunded through
 * reconciliation (entry reason {@code discarded}; the job's refund once the biller confirms no charge, or the
 * operator's DECLINED), never charged, its request never on the topic, and I1–I7 hold.
 */
final class DiscardedEventsScenario {
    private DiscardedEventsScenario() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The events topic's limit during the fault: below any record (a payment's request is about 500 bytes). */
    static final int TINY_MESSAGE_BYTES = 64;

    static final String DISCARD_REASON = "chaos: the customer cancelled; do not pay this bill";

    static void setup(ScenarioRun r) {
        r.env.put("RECONCILIATION_INTERVAL", "1s"); // the job asks the biller about a discarded payment at once
    }

    static Optional<String> run(ScenarioRun r) throws Exception {
        Operator operator = Operator.of(r);
        Map<Long, UUID> discarded = new HashMap<>();
        Map<String, Integer> answers = new HashMap<>();
        r.startLoad();
        r.sleepUntil(r.between(0.15, 0.35));
        int want = MoneyPathScenarios.longMode(r) ? 8 : 3;
        long parked;
        long held;
        try (Admin admin = admin(r)) {
            setLimit(admin, r, String.valueOf(TINY_MESSAGE_BYTES));
            r.fault("events topic max.message.bytes=" + TINY_MESSAGE_BYTES);
            long from = System.nanoTime();
            r.awaitNames(
                    "SELECT 'x' FROM outbox_parked WHERE event_type = 'BillPaymentRequested' HAVING count(*) >= "
                            + want,
                    Duration.ofSeconds(30));
            held = (System.nanoTime() - from) / 1_000_000;
            setLimit(admin, r, null);
        }
        parked = MoneyPathScenarios.count(r, "SELECT count(*) FROM outbox_parked");
        r.fault("max.message.bytes restored after " + held + "ms; " + parked + " events parked");
        // The operator, until nothing is parked any more (events rejected just before the restore may park later).
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline
                && System.nanoTime() - quietSince < Duration.ofSeconds(3).toNanos()) {
            List<JsonNode> items = operator.parked();
            if (!items.isEmpty()) {
                quietSince = System.nanoTime();
            }
            for (JsonNode item : items) {
                long id = item.path("id").asLong();
                if ("BillPaymentRequested".equals(item.path("type").asText())) {
                    UUID payment = parkedPayment(r, id);
                    Operator.Answer a = operator.discard(id, DISCARD_REASON);
                    count(answers, "discard " + a.label());
                    if (a.status() == 204) {
                        discarded.put(id, payment);
                        if (r.rnd.nextBoolean()) {
                            count(
                                    answers,
                                    "resolve "
                                            + operator.resolve(payment, "DECLINED", DISCARD_REASON)
                                                    .label());
                        }
                    }
                } else {
                    count(
                            answers,
                            "retry "
                                    + operator.retry(id, "chaos: the topic takes records again")
                                            .label());
                }
            }
            Cluster.sleep(500); // the operator's pace
        }
        r.discarded.addAll(discarded.values());
        r.fault("operator discarded " + discarded.size() + " payment requests, retried the other parked events");
        r.awaitLoad();
        r.checks.add((c, checker) -> check(r, c, checker, discarded.values(), answers));
        return Optional.empty();
    }

    private static void count(Map<String, Integer> answers, String label) {
        answers.merge(label.replace(' ', '-'), 1, Integer::sum);
    }

    private static Admin admin(ScenarioRun r) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, r.cluster.bootstrap());
        return Admin.create(p);
    }

    /** Sets the events topic's {@code max.message.bytes}, or removes the override (null). */
    private static void setLimit(Admin admin, ScenarioRun r, String value) throws Exception {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, r.cluster.topic());
        AlterConfigOp op = value == null
                ? new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE)
                : new AlterConfigOp(new ConfigEntry("max.message.bytes", value), AlterConfigOp.OpType.SET);
        admin.incrementalAlterConfigs(Map.of(topic, List.of(op))).all().get();
    }

    /** The payment a parked request names (read by the tool; the operator's listing gives sizes, not payloads). */
    private static UUID parkedPayment(ScenarioRun r, long id) throws Exception {
        try (Connection c = r.db();
                var ps = c.prepareStatement(
                        "SELECT (payload::jsonb ->> 'paymentId')::uuid FROM outbox_parked WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException(
                            "parked event " + id + " vanished before the operator discarded it");
                }
                return rs.getObject(1, UUID.class);
            }
        }
    }

    /**
     * Each discarded payment: FAILED, its entry reason {@code discarded} resolved NOT_CHARGED or DECLINED, charged
     * nowhere, its request never on the topic; at least one was discarded; nothing left parked; every operator
     * action answered as the runbook says (204, or for the immediate resolve 200 or {@code 409 attempt-in-flight}
     * while the job holds the entry) and audited.
     */
    private static void check(
            ScenarioRun r, Connection c, Checker checker, Collection<UUID> discarded, Map<String, Integer> answers)
            throws Exception {
        Set<String> allowed = Set.of("discard-204", "retry-204", "resolve-200", "resolve-409-attempt-in-flight");
        answers.forEach((label, n) -> {
            if (!allowed.contains(label)) {
                checker.fail("I7", n + " operator action(s) answered " + label);
            }
        });
        Map<String, Long> by = new HashMap<>();
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT coalesce(resolved_how, 'unresolved'), count(*) FROM provider_reconciliation
                        WHERE reason = 'discarded' GROUP BY 1""")) {
            while (rs.next()) {
                by.put(rs.getString(1), rs.getLong(2));
            }
        }
        r.notes.add("discarded=" + discarded.size() + " resolved-by=" + by + " operator=" + answers);
        if (discarded.isEmpty()) {
            checker.fail("I7", "no payment request was parked and discarded: the scenario proved nothing");
        }
        Set<String> charged = new HashSet<>();
        for (String sim : r.cluster.simulatorNames()) {
            for (var ch : JSON.readTree(r.cluster.simGet(sim, "/v1/charges"))) {
                charged.add(ch.path("idempotencyKey").asText());
            }
        }
        Set<UUID> onTopic = new HashSet<>();
        for (Checker.Event e : TopicReader.readAll(r.cluster.bootstrap(), r.cluster.topic())) {
            if ("BillPaymentRequested".equals(e.ceType()) && e.value() != null) {
                try {
                    onTopic.add(UUID.fromString(e.value().path("paymentId").asText()));
                } catch (IllegalArgumentException ignored) {
                    // not a payment's record
                }
            }
        }
        for (UUID p : discarded) {
            try (var ps = c.prepareStatement("""
                    SELECT b.status, e.reason, e.resolved_outcome FROM bill_payment b
                    LEFT JOIN provider_reconciliation e ON e.payment_id = b.id WHERE b.id = ?""")) {
                ps.setObject(1, p);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        checker.fail("I3", "discarded payment " + p + " does not exist");
                        continue;
                    }
                    String outcome = rs.getString(3);
                    if (!"FAILED".equals(rs.getString(1))
                            || !"discarded".equals(rs.getString(2))
                            || !("NOT_CHARGED".equals(outcome) || "DECLINED".equals(outcome))) {
                        checker.fail(
                                "I3",
                                "discarded payment " + p + " is " + rs.getString(1) + ", entry " + rs.getString(2) + " "
                                        + outcome + "; it must be FAILED and refunded through reconciliation");
                    }
                }
            }
            if (charged.contains(p.toString())) {
                checker.fail("I4", "discarded payment " + p + " was charged");
            }
            if (onTopic.contains(p)) {
                checker.fail("I5", "the discarded request of payment " + p + " reached the topic");
            }
        }
        long left = MoneyPathScenarios.count(c, "SELECT count(*) FROM outbox_parked");
        if (left > 0) {
            checker.fail("I5", left + " events still parked at the end");
        }
        long audited = MoneyPathScenarios.count(
                c, "SELECT count(*) FROM admin_audit WHERE action = 'outbox.parked.discard' AND reason IS NOT NULL");
        if (audited != discarded.size()) {
            checker.fail("I7", audited + " discards audited, the operator made " + discarded.size());
        }
    }
}
