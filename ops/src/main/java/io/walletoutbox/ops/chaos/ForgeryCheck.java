package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.ops.chaos.ForgedRecordsScenario.Forged;
import io.walletoutbox.ops.chaos.ForgedRecordsScenario.Payment;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * I9 for forged records (see {@link ForgedRecordsScenario}): only the ledger says what is charged. Besides I5's
 * dead-letter check of each forged record ({@code record-mismatch}, or passed over when it carries an event id the
 * consumer had processed before it), this checks that no biller saw a foreign value (every charge of every
 * simulator under a payment's key has that payment's customer reference, amount and currency, at the simulator of
 * the payment's biller; none names a forged reference or amount), that every payment named keeps its own values,
 * that no forged event id was marked in the inbox, and that the consumer counted each dead letter.
 */
final class ForgeryCheck {
    private ForgeryCheck() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A forged record found on the topic, and the {@code dlq_reason} it must get (null: passed over). */
    record Placed(Forged forged, String reason) {}

    /**
     * Waits (with a deadline) until every forged record and the genuine event of every payment named with its
     * genuine id are on the topic, then says what must become of each and adds it to the run's injected records:
     * a fresh event id is dead-lettered as {@code record-mismatch}; a genuine one too when it is before the genuine
     * event in their partition (one wallet, one partition, one lane: the consumer meets the forged record first),
     * and passed over (skipped as processed) when it is after.
     */
    static List<Placed> expect(ScenarioRun r, List<Forged> forged, boolean cdc) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            List<Checker.Event> topic = TopicReader.readAll(r.cluster.bootstrap(), r.cluster.topic());
            List<String> missing = new ArrayList<>();
            List<Placed> placed = place(topic, forged, cdc, missing);
            if (missing.isEmpty()) {
                for (Placed p : placed) {
                    Forged f = p.forged();
                    r.injected.add(new Checker.Injected(f.partition(), f.offset(), f.ceId(), p.reason(), f.what()));
                }
                return placed;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not on the topic after 90 s: " + missing);
            }
            Cluster.sleep(1000);
        }
    }

    private static List<Placed> place(
            List<Checker.Event> topic, List<Forged> forged, boolean cdc, List<String> missing) {
        List<Forged> found = new ArrayList<>();
        for (Forged f : forged) {
            if (!cdc) {
                found.add(f);
                continue;
            }
            JsonNode value = read(f.value());
            topic.stream()
                    .filter(e -> f.ceId().equals(e.ceId()) && value.equals(e.value()))
                    .findFirst()
                    .ifPresentOrElse(e -> found.add(f.at(e.partition(), e.offset())), () -> missing.add(f.what()));
        }
        Set<String> positions = new HashSet<>();
        found.forEach(f -> positions.add(f.partition() + "@" + f.offset()));
        Map<String, Checker.Event> genuine = new HashMap<>();
        for (Checker.Event e : topic) {
            if (e.ceId() != null && !positions.contains(e.position())) {
                genuine.merge(e.ceId(), e, (a, b) -> a.offset() <= b.offset() ? a : b);
            }
        }
        List<Placed> placed = new ArrayList<>();
        for (Forged f : found) {
            if (!f.genuineId()) {
                placed.add(new Placed(f, "record-mismatch"));
                continue;
            }
            Checker.Event g = genuine.get(f.ceId());
            if (g == null) {
                missing.add("the genuine event " + f.ceId() + " of payment "
                        + f.payment().id());
            } else if (g.partition() != f.partition()) {
                throw new IllegalStateException(f.what() + " is in partition " + f.partition()
                        + ", its genuine event in " + g.partition() + ": the same key must share a partition");
            } else {
                placed.add(new Placed(f, f.offset() < g.offset() ? "record-mismatch" : null));
            }
        }
        return placed;
    }

    static void check(ScenarioRun r, Connection c, Checker checker, List<Placed> placed, boolean cdc) throws Exception {
        checker.violations().putIfAbsent("I9", new ArrayList<>());
        Map<UUID, Payment> rows = new HashMap<>();
        Map<UUID, String> status = new HashMap<>();
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT id, wallet_id, biller, customer_ref, amount, currency, status FROM bill_payment")) {
            while (rs.next()) {
                UUID id = rs.getObject(1, UUID.class);
                rows.put(
                        id,
                        new Payment(
                                id,
                                rs.getObject(2, UUID.class),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getLong(5),
                                rs.getString(6)));
                status.put(id, rs.getString(7));
            }
        }
        int charges = 0;
        for (String sim : r.cluster.simulatorNames()) {
            for (JsonNode ch : JSON.readTree(r.cluster.simGet(sim, "/v1/charges"))) {
                charges += checkCharge(r, checker, sim, ch, rows);
            }
        }
        for (Placed p : placed) {
            Payment named = p.forged().payment();
            if (!named.equals(rows.get(named.id()))) {
                checker.fail(
                        "I9",
                        "payment " + named.id() + " named by a forged record now reads " + rows.get(named.id())
                                + ", not " + named);
            }
        }
        Set<String> inbox = new HashSet<>();
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT event_id FROM inbox")) {
            while (rs.next()) {
                inbox.add(rs.getString(1));
            }
        }
        int ahead = 0;
        int letters = 0;
        for (Placed p : placed) {
            Forged f = p.forged();
            if (!f.genuineId() && inbox.contains(f.ceId())) {
                checker.fail("I9", f.what() + ": its fresh event id " + f.ceId() + " was marked in the inbox");
            }
            if (p.reason() != null) {
                letters++;
                if (f.genuineId()) {
                    ahead++;
                }
            }
        }
        long mismatches = 0;
        for (Checker.Event d : TopicReader.readAll(r.cluster.bootstrap(), r.cluster.topic() + ".dlq")) {
            if ("record-mismatch".equals(d.headers().get("dlq_reason"))) {
                mismatches++;
            }
        }
        long counted = BillerScenarios.metricSum(
                r.service("consumer-a").managementPort, "bill_payments_dead_lettered", "reason=\"record-mismatch\"");
        r.notes.add("forged=" + placed.size() + "(dead-lettered:" + letters + " ahead-of-genuine:" + ahead
                + " skipped-as-processed:" + (placed.size() - letters) + ") charges-checked=" + charges
                + " record-mismatch=" + mismatches + "(counted " + counted + ")");
        if (placed.isEmpty()) {
            checker.fail("I9", "no forged record was written: the scenario proved nothing");
        }
        if (!cdc && ahead == 0) {
            checker.fail("I9", "no forged record with a genuine event id went ahead of its genuine event");
        }
        if (counted != mismatches || mismatches < letters) {
            checker.fail(
                    "I9",
                    "consumer-a counted " + counted + " record-mismatch dead letters; the dead-letter topic holds "
                            + mismatches + ", " + letters + " expected");
        }
    }

    /** One charge: no foreign value, and the values and biller of its payment; returns 1 if it is a payment's. */
    private static int checkCharge(ScenarioRun r, Checker checker, String sim, JsonNode ch, Map<UUID, Payment> rows) {
        String ref = ch.path("customerRef").asText();
        long amount = ch.path("amount").asLong();
        String currency = ch.path("currency").asText();
        if (ref.startsWith("FORGED-") || amount == ForgedRecordsScenario.FORGED_AMOUNT) {
            checker.fail("I9", "simulator " + sim + " charged a forged value: " + ch);
        }
        UUID key;
        try {
            key = UUID.fromString(ch.path("idempotencyKey").asText());
        } catch (IllegalArgumentException e) {
            return 0; // not a payment id: I4 reports this scenario's
        }
        Payment p = rows.get(key);
        if (p == null) {
            return 0; // another scenario's payment
        }
        if (!p.customerRef().equals(ref)
                || p.amount() != amount
                || !p.currency().equals(currency)) {
            checker.fail(
                    "I9",
                    "payment " + key + " charged at " + sim + " with " + ref + "/" + amount + "/" + currency
                            + ", its row says " + p.customerRef() + "/" + p.amount() + "/" + p.currency());
        }
        String own = r.billerSimulators.getOrDefault(p.biller(), Cluster.MAIN_SIM);
        if (!own.equals(sim)) {
            checker.fail("I9", p.biller() + " payment " + key + " charged at simulator " + sim + ", not " + own);
        }
        return 1;
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
