package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Checks invariants I1–I7 of DESIGN.md from the outside, after quiescence: from the database (SQL only, none
 * of the service's code), every record of the events topic and of its dead-letter topic, and the billers'
 * {@code /v1/charges} and {@code /v1/answers}. Each check collects its violations as text; an empty list is a pass.
 */
final class Checker {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One record of the topic, in partition order; {@code headers} holds the last value of each header. */
    record Event(
            int partition,
            long offset,
            String key,
            String ceId,
            String ceType,
            JsonNode value,
            Map<String, String> headers) {
        /** Where the record is: {@code partition@offset}. */
        String position() {
            return partition + "@" + offset;
        }
    }

    /**
     * A record the tool wrote onto the events topic itself (foreign or malformed): where it landed, its {@code
     * ce_id} (or null), the {@code dlq_reason} its dead letter must carry, or null when the consumer must pass over
     * it without dead-lettering it (an event of another aggregate or an outcome event of another deployment), and
     * what it is, for messages.
     */
    record Injected(int partition, long offset, String ceId, String deadLetterReason, String what) {
        Injected {
            Objects.requireNonNull(what, "what");
        }

        String position() {
            return partition + "@" + offset;
        }
    }

    /**
     * What the scenario knows beyond the database: the payments the API acknowledged, the tag of this scenario's
     * customer references, the records the tool wrote onto the topic, how many payments may rest in reconciliation
     * at the end (I7: zero unless the scenario says why), for a deployment with a simulator per biller, which
     * simulator must have charged each biller's payments (empty: any), and the payments whose request an operator
     * discarded (never on the topic, FAILED and refunded by reconciliation though their customer never declines).
     */
    record Expectations(
            Set<UUID> acknowledged,
            String customerTag,
            List<Injected> injected,
            int reconciliationCap,
            Map<String, String> billerSimulators,
            Set<UUID> discarded) {
        Expectations {
            acknowledged = Set.copyOf(acknowledged);
            discarded = Set.copyOf(discarded);
            injected = List.copyOf(injected);
            billerSimulators = Map.copyOf(billerSimulators);
            if (reconciliationCap < 0) {
                throw new IllegalArgumentException("reconciliationCap must not be negative");
            }
        }

        /** Payments acknowledged, nothing injected, none may rest in reconciliation, one simulator. */
        Expectations(Set<UUID> acknowledged, String customerTag) {
            this(acknowledged, customerTag, List.of(), 0, Map.of(), Set.of());
        }
    }

    private final Map<String, List<String>> violations = new LinkedHashMap<>();
    private int repeatedAnswers;

    Checker() {
        for (String i : List.of("I1", "I2", "I3", "I4", "I5", "I6", "I7")) {
            violations.put(i, new ArrayList<>());
        }
    }

    Map<String, List<String>> violations() {
        return violations;
    }

    /** How many times, over all payments, the biller answered a payment it had answered before. */
    int repeatedAnswers() {
        return repeatedAnswers;
    }

    /** Records a violation of {@code invariant} (at most 20 listed, then "…"). */
    void fail(String invariant, String text) {
        List<String> list = violations.computeIfAbsent(invariant, k -> new ArrayList<>());
        if (list.size() < 20) {
            list.add(text);
        } else if (list.size() == 20) {
            list.add("…");
        }
    }

    /**
     * Waits until nothing is left to do: the outbox is empty, no payment is PENDING unless it is awaiting
     * reconciliation, and at most {@code reconciliationCap} payments await it, twice in a row one second apart, or
     * {@code timeout} passed. Returns the seconds waited.
     */
    static double awaitQuiescence(Supplier<Connection> db, Duration timeout, int reconciliationCap) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        int quiet = 0;
        while (System.nanoTime() < deadline && quiet < 2) {
            try (Connection c = db.get();
                    var s = c.createStatement();
                    ResultSet rs = s.executeQuery("""
                            SELECT (SELECT count(*) FROM outbox_event)
                                 + (SELECT count(*) FROM bill_payment p WHERE status = 'PENDING'
                                      AND NOT EXISTS (SELECT 1 FROM provider_reconciliation r
                                                      WHERE r.payment_id = p.id AND r.resolved_at IS NULL)),
                                   (SELECT count(*) FROM provider_reconciliation WHERE resolved_at IS NULL)""")) {
                rs.next();
                quiet = rs.getLong(1) == 0 && rs.getLong(2) <= reconciliationCap ? quiet + 1 : 0;
            } catch (Exception e) {
                quiet = 0; // database restarting
            }
            Cluster.sleep(1000);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** Reads every record of {@code topic} from the beginning to the current end. */
    static List<Event> readTopic(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<Event> events = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            if (parts.isEmpty()) {
                return events;
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode value;
                    try {
                        value = JSON.readTree(r.value());
                    } catch (Exception e) {
                        value = null;
                    }
                    Map<String, String> headers = new HashMap<>();
                    for (Header h : r.headers()) {
                        if (h.value() != null) {
                            headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
                        }
                    }
                    events.add(new Event(
                            r.partition(),
                            r.offset(),
                            r.key(),
                            header(r, "ce_id"),
                            header(r, "ce_type"),
                            value,
                            Map.copyOf(headers)));
                }
            }
            if (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                throw new IllegalStateException("could not read topic " + topic + " to its end");
            }
        }
        return events;
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /**
     * A payment's reconciliation entry: why it is there, the biller's last answer or error, and, once resolved,
     * when, by whom ({@code job} or {@code operator}) and how ({@code PAID}, {@code DECLINED}, {@code NOT_CHARGED}).
     */
    record Entry(
            String reason,
            String lastCause,
            Instant resolvedAt,
            String resolvedHow,
            String resolvedOutcome,
            int checks,
            int recharges) {
        boolean resolved() {
            return resolvedAt != null;
        }
    }

    private record Payment(
            UUID id, UUID wallet, long amount, String status, String customerRef, String biller, Entry entry) {
        /** Listed for an operator: in reconciliation and not resolved. */
        boolean reconciling() {
            return entry != null && !entry.resolved();
        }

        /** Went through reconciliation (resolved or not): its outcome, if any, was recorded outside its lane. */
        boolean reconciled() {
            return entry != null;
        }
    }

    /**
     * Runs every check. {@code deadLetters} are the records of {@code <topic>.dlq}; {@code chargesJson} and {@code
     * answersJson} are the simulators' {@code /v1/charges} and {@code /v1/answers} (one JSON array each; a charge may
     * carry {@code "simulator"}, the name of the simulator that made it).
     */
    void check(
            Connection c,
            List<Event> topic,
            List<Event> deadLetters,
            String chargesJson,
            String answersJson,
            Expectations x)
            throws Exception {
        Map<UUID, Payment> payments = new LinkedHashMap<>();
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT p.id, p.wallet_id, p.amount, p.status, p.customer_ref, p.biller,
                               r.payment_id IS NOT NULL, r.reason, r.last_cause, r.resolved_at, r.resolved_how,
                               r.resolved_outcome, r.checks, r.recharges
                        FROM bill_payment p LEFT JOIN provider_reconciliation r ON r.payment_id = p.id""")) {
            while (rs.next()) {
                UUID id = rs.getObject(1, UUID.class);
                Entry entry = null;
                if (rs.getBoolean(7)) {
                    OffsetDateTime resolvedAt = rs.getObject(10, OffsetDateTime.class);
                    entry = new Entry(
                            rs.getString(8),
                            rs.getString(9),
                            resolvedAt == null ? null : resolvedAt.toInstant(),
                            rs.getString(11),
                            rs.getString(12),
                            rs.getInt(13),
                            rs.getInt(14));
                }
                payments.put(
                        id,
                        new Payment(
                                id,
                                rs.getObject(2, UUID.class),
                                rs.getLong(3),
                                rs.getString(4),
                                rs.getString(5),
                                rs.getString(6),
                                entry));
            }
        }
        long orphans = single(
                c,
                "SELECT count(*) FROM provider_reconciliation r"
                        + " WHERE NOT EXISTS (SELECT 1 FROM bill_payment p WHERE p.id = r.payment_id)");
        if (orphans > 0) {
            fail("I7", orphans + " reconciliation entries for payments that do not exist");
        }
        Map<String, Instant> inbox = new HashMap<>();
        try (var s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT event_id, processed_at FROM inbox WHERE consumer = 'bill-payments'")) {
            while (rs.next()) {
                inbox.put(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant());
            }
        }
        checkMoney(c);
        checkPayments(c, payments, x);
        checkCharges(payments, chargesJson, x);
        checkDelivery(c, payments, topic, inbox, x);
        checkDeadLetters(topic, deadLetters, inbox, x);
        checkProcessedOnce(payments, topic, inbox, answersJson, x);
        checkOrder(c, payments, topic, x);
        checkStuck(payments, x);
    }

    /**
     * I7: every payment is SUCCEEDED or FAILED, or listed for an operator (an unresolved reconciliation entry with
     * its reason and the biller's last answer), and no more than the scenario allows rest there; a resolved entry
     * agrees with its payment (PAID: SUCCEEDED; DECLINED or NOT_CHARGED: FAILED), an unresolved one is PENDING.
     */
    private void checkStuck(Map<UUID, Payment> payments, Expectations x) {
        int resting = 0;
        for (Payment p : payments.values()) {
            Entry e = p.entry();
            if (p.status().equals("PENDING")) {
                if (e == null || e.resolved()) {
                    fail("I7", "payment " + p.id() + " is PENDING and listed nowhere for an operator");
                    continue;
                }
                resting++;
                if (e.reason() == null
                        || e.reason().isBlank()
                        || e.lastCause() == null
                        || e.lastCause().isBlank()) {
                    fail("I7", "payment " + p.id() + " rests in reconciliation without a reason or cause");
                }
            } else if (e != null) {
                if (!e.resolved()) {
                    fail("I7", p.status() + " payment " + p.id() + " is still listed unresolved in reconciliation");
                } else {
                    String expected = "PAID".equals(e.resolvedOutcome()) ? "SUCCEEDED" : "FAILED";
                    if (!expected.equals(p.status())) {
                        fail(
                                "I7",
                                "reconciliation resolved payment " + p.id() + " as " + e.resolvedOutcome()
                                        + " but it is " + p.status());
                    }
                }
            }
        }
        if (resting > x.reconciliationCap()) {
            fail(
                    "I7",
                    resting + " payments rest in reconciliation at the end; the scenario allows "
                            + x.reconciliationCap());
        }
    }

    /**
     * I5 for records nobody could pay: every record the tool wrote that must be dead-lettered is on {@code
     * <topic>.dlq} (matched by its {@code dlq_origin}) with the expected {@code dlq_reason}, and when its {@code
     * ce_id} is a UUID it is marked in the inbox (a redelivery is not retried; not a {@code record-mismatch}, whose
     * event id is not to be trusted); a record the consumer must pass
     * over is not dead-lettered; and no other record (a real payment's) was dead-lettered.
     */
    private void checkDeadLetters(
            List<Event> topic, List<Event> deadLetters, Map<String, Instant> inbox, Expectations x) {
        Map<String, List<Event>> byOrigin = new HashMap<>();
        for (Event d : deadLetters) {
            String origin = d.headers().get("dlq_origin");
            String position = origin == null ? null : origin.replaceFirst("^.*-(\\d+@\\d+)$", "$1");
            byOrigin.computeIfAbsent(position, k -> new ArrayList<>()).add(d);
        }
        Set<String> injected = new HashSet<>();
        for (Injected i : x.injected()) {
            injected.add(i.position());
            List<Event> letters = byOrigin.getOrDefault(i.position(), List.of());
            if (i.deadLetterReason() == null) {
                if (!letters.isEmpty()) {
                    fail("I5", i.what() + " at " + i.position() + " was dead-lettered; it must be passed over");
                }
                continue;
            }
            if (letters.isEmpty()) {
                fail("I5", i.what() + " at " + i.position() + " is not on the dead-letter topic");
                continue;
            }
            for (Event d : letters) {
                String reason = d.headers().get("dlq_reason");
                if (!i.deadLetterReason().equals(reason)) {
                    fail(
                            "I5",
                            i.what() + " at " + i.position() + " dead-lettered with dlq_reason " + reason + ", not "
                                    + i.deadLetterReason());
                }
                String error = d.headers().get("dlq_error");
                if (error == null || error.isBlank()) {
                    fail("I5", i.what() + " at " + i.position() + " dead-lettered without dlq_error");
                }
            }
            if (i.ceId() != null
                    && isUuid(i.ceId())
                    && !"record-mismatch".equals(i.deadLetterReason())
                    && !inbox.containsKey(i.ceId())) {
                fail("I5", i.what() + " at " + i.position() + " dead-lettered but not marked in the inbox");
            }
        }
        for (var e : byOrigin.entrySet()) {
            if (!injected.contains(e.getKey())) {
                fail(
                        "I5",
                        e.getValue().size() + " dead letter(s) from " + e.getKey()
                                + ", a record the tool did not write (a real payment's event dead-lettered)");
            }
        }
    }

    private static UUID uuidOrNull(String s) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
    }

    private static boolean isUuid(String s) {
        try {
            UUID.fromString(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** I1 and I2. */
    private void checkMoney(Connection c) throws SQLException {
        long total = single(c, "SELECT coalesce(sum(balance), 0) FROM account");
        if (total != 0) {
            fail("I1", "sum of all balances is " + total + ", not 0");
        }
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT a.id, a.kind, a.balance, coalesce(cr.s, 0) - coalesce(dr.s, 0) AS entries
                        FROM account a
                        LEFT JOIN (SELECT credit_account AS id, sum(amount) AS s FROM transfer GROUP BY 1) cr
                               ON cr.id = a.id
                        LEFT JOIN (SELECT debit_account AS id, sum(amount) AS s FROM transfer GROUP BY 1) dr
                               ON dr.id = a.id
                        WHERE a.balance <> coalesce(cr.s, 0) - coalesce(dr.s, 0)""")) {
            while (rs.next()) {
                fail(
                        "I1",
                        rs.getString(2) + " account " + rs.getString(1) + " balance " + rs.getLong(3)
                                + " ≠ credits − debits " + rs.getLong(4));
            }
        }
        long negative = single(c, "SELECT count(*) FROM account WHERE kind <> 'TOP_UP_FUNDING' AND balance < 0");
        if (negative > 0) {
            fail("I2", negative + " wallet/system accounts below zero");
        }
    }

    /**
     * A payment the biller never declines may still end FAILED when its request was discarded by an operator, or an
     * operator resolved it DECLINED once nothing could land: I4 then proves it was never charged.
     */
    private static boolean declinedWithoutCharge(Payment p, Expectations x) {
        Entry e = p.entry();
        return x.discarded().contains(p.id())
                || (e != null && "operator".equals(e.resolvedHow()) && "DECLINED".equals(e.resolvedOutcome()));
    }

    /**
     * I3: debited once, one terminal state, refunded at most once and only when declined (by the biller, or by an
     * operator: {@link #declinedWithoutCharge}).
     */
    private void checkPayments(Connection c, Map<UUID, Payment> payments, Expectations x) throws SQLException {
        for (UUID id : x.acknowledged()) {
            if (!payments.containsKey(id)) {
                fail("I3", "payment " + id + " was acknowledged (202) but does not exist");
            }
        }
        Map<UUID, Map<String, Integer>> transfers = new HashMap<>();
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT t.reference, t.kind, count(*), bool_and(t.amount = p.amount),
                               bool_and(CASE t.kind WHEN 'BILL_PAYMENT' THEN t.debit_account = p.wallet_id
                                                    WHEN 'REFUND' THEN t.credit_account = p.wallet_id
                                                    ELSE t.debit_account = p.clearing_account END),
                               bool_or(p.id IS NULL)
                        FROM transfer t LEFT JOIN bill_payment p ON p.id = t.reference
                        WHERE t.kind <> 'TOP_UP' GROUP BY 1, 2""")) {
            while (rs.next()) {
                UUID ref = rs.getObject(1, UUID.class);
                if (rs.getBoolean(6)) {
                    fail("I3", rs.getString(2) + " transfer for unknown payment " + ref);
                    continue;
                }
                if (!rs.getBoolean(4) || !rs.getBoolean(5)) {
                    fail("I3", rs.getString(2) + " transfer of payment " + ref + " has a wrong amount or account");
                }
                transfers.computeIfAbsent(ref, k -> new HashMap<>()).put(rs.getString(2), rs.getInt(3));
            }
        }
        for (Payment p : payments.values()) {
            Map<String, Integer> t = transfers.getOrDefault(p.id(), Map.of());
            int debits = t.getOrDefault("BILL_PAYMENT", 0);
            int settlements = t.getOrDefault("SETTLEMENT", 0);
            int refunds = t.getOrDefault("REFUND", 0);
            if (debits != 1) {
                fail("I3", "payment " + p.id() + " debited " + debits + " times");
            }
            switch (p.status()) {
                case "SUCCEEDED" -> {
                    if (settlements != 1 || refunds != 0) {
                        fail(
                                "I3",
                                "SUCCEEDED payment " + p.id() + " has " + settlements + " settlements, " + refunds
                                        + " refunds");
                    }
                    if (p.customerRef().startsWith("DECLINE")) {
                        fail("I3", "payment " + p.id() + " to a declined customer SUCCEEDED");
                    }
                }
                case "FAILED" -> {
                    if (refunds != 1 || settlements != 0) {
                        fail(
                                "I3",
                                "FAILED payment " + p.id() + " has " + refunds + " refunds, " + settlements
                                        + " settlements");
                    }
                    if (!p.customerRef().startsWith("DECLINE") && !declinedWithoutCharge(p, x)) {
                        fail(
                                "I3",
                                "payment " + p.id() + " FAILED (refunded) though the biller never declines "
                                        + p.customerRef());
                    }
                }
                default -> {
                    if (!p.reconciling()) {
                        fail("I3", "payment " + p.id() + " still " + p.status() + " and not in reconciliation");
                    }
                    if (settlements + refunds != 0) {
                        fail("I3", "PENDING payment " + p.id() + " has an outcome transfer");
                    }
                }
            }
        }
    }

    /** I4: at most one charge per payment, exactly one iff SUCCEEDED (by idempotency key = payment id). */
    private void checkCharges(Map<UUID, Payment> payments, String chargesJson, Expectations x) throws Exception {
        Map<String, Integer> charges = new HashMap<>();
        Map<String, Long> amounts = new HashMap<>();
        for (JsonNode ch : JSON.readTree(chargesJson)) {
            String ref = ch.path("customerRef").asText();
            if (!ref.contains("-" + x.customerTag() + "-")) {
                continue; // another scenario's payment
            }
            String key = ch.path("idempotencyKey").asText();
            charges.merge(key, 1, Integer::sum);
            amounts.put(key, ch.path("amount").asLong());
            UUID id;
            try {
                id = UUID.fromString(key);
            } catch (IllegalArgumentException e) {
                fail("I4", "charge with key " + key + " that is no payment id");
                continue;
            }
            Payment p = payments.get(id);
            if (p == null) {
                fail("I4", "charge for payment " + key + " that does not exist");
                continue;
            }
            String simulator = x.billerSimulators().get(p.biller());
            if (simulator != null && !simulator.equals(ch.path("simulator").asText())) {
                fail(
                        "I4",
                        p.biller() + " payment " + id + " charged by simulator "
                                + ch.path("simulator").asText() + ", not by its biller's (" + simulator + ")");
            }
        }
        for (Payment p : payments.values()) {
            int n = charges.getOrDefault(p.id().toString(), 0);
            if (n > 1) {
                fail("I4", "payment " + p.id() + " charged " + n + " times");
            }
            if (n == 1 && amounts.get(p.id().toString()) != p.amount()) {
                fail("I4", "payment " + p.id() + " charged a different amount");
            }
            if (p.status().equals("SUCCEEDED") && n != 1) {
                fail("I4", "SUCCEEDED payment " + p.id() + " charged " + n + " times");
            }
            if (p.status().equals("FAILED") && n != 0) {
                fail("I4", "FAILED (refunded) payment " + p.id() + " was charged");
            }
        }
    }

    /** I5: every committed event reached Kafka and every payment request was processed. */
    private void checkDelivery(
            Connection c, Map<UUID, Payment> payments, List<Event> topic, Map<String, Instant> inbox, Expectations x)
            throws SQLException {
        long left = single(c, "SELECT count(*) FROM outbox_event");
        if (left > 0) {
            fail("I5", left + " events still in the outbox");
        }
        Set<UUID> requested = new HashSet<>();
        Set<UUID> outcomes = new HashSet<>();
        Set<String> injected = new HashSet<>();
        x.injected().forEach(i -> injected.add(i.position()));
        for (Event e : topic) {
            if (injected.contains(e.position())) {
                continue;
            }
            if (e.ceId() == null || e.value() == null) {
                fail("I5", "record " + e.partition() + "/" + e.offset() + " without ce_id or JSON value");
                continue;
            }
            UUID payment = UUID.fromString(e.value().path("paymentId").asText());
            if (!payments.containsKey(payment)) {
                fail("I5", "event " + e.ceId() + " for a payment that is not committed: " + payment);
            }
            switch (e.ceType()) {
                case "BillPaymentRequested" -> {
                    requested.add(payment);
                    if (!inbox.containsKey(e.ceId())) {
                        fail("I5", "BillPaymentRequested " + e.ceId() + " (payment " + payment + ") not in the inbox");
                    }
                }
                case "BillPaymentSucceeded", "BillPaymentFailed" -> outcomes.add(payment);
                default -> fail("I5", "unexpected event type " + e.ceType());
            }
        }
        for (Payment p : payments.values()) {
            if (!requested.contains(p.id()) && !x.discarded().contains(p.id())) {
                fail("I5", "BillPaymentRequested of payment " + p.id() + " never reached the topic");
            }
            if (!p.status().equals("PENDING") && !outcomes.contains(p.id())) {
                fail("I5", "the outcome event of " + p.status() + " payment " + p.id() + " never reached the topic");
            }
        }
    }

    /**
     * I5, processed once: no payment was asked of the biller again after its outcome was recorded (the inbox row of
     * its request, written first in the consumer's outcome transaction, at that transaction's start). The consumer
     * asks again only when it never got an answer (a 503, a dropped or timed-out request: not counted by the
     * simulator) or could not commit one (a crash, the database restarting): all before the transaction that
     * records the outcome. A redelivered event (a relay's duplicate, a rebalance) must stop at the inbox. A consumer
     * that skipped its inbox check would leave money intact (the biller's idempotency key and the PENDING guard
     * absorb the duplicate) but ask the biller again for every duplicate on the topic: this is the check that sees
     * it. Both clocks are this machine's (the simulator's answer time is taken before it writes the answer).
     */
    private void checkProcessedOnce(
            Map<UUID, Payment> payments,
            List<Event> topic,
            Map<String, Instant> inbox,
            String answersJson,
            Expectations x)
            throws Exception {
        Map<UUID, String> requestIds = new HashMap<>();
        Set<String> injected = new HashSet<>();
        x.injected().forEach(i -> injected.add(i.position()));
        for (Event e : topic) {
            if ("BillPaymentRequested".equals(e.ceType())
                    && !injected.contains(e.position())
                    && e.value() != null
                    && e.ceId() != null
                    && payments.containsKey(
                            uuidOrNull(e.value().path("paymentId").asText()))) {
                try {
                    requestIds.putIfAbsent(
                            UUID.fromString(e.value().path("paymentId").asText()), e.ceId());
                } catch (IllegalArgumentException ex) {
                    // a poison record; I5 reports malformed ones
                }
            }
        }
        for (JsonNode a : JSON.readTree(answersJson)) {
            UUID id;
            try {
                id = UUID.fromString(a.path("idempotencyKey").asText());
            } catch (IllegalArgumentException e) {
                continue; // I4 reports keys that are no payment id
            }
            int n = a.path("answered").asInt();
            if (!payments.containsKey(id) || n <= 1) {
                continue; // another scenario's payment, or answered once
            }
            repeatedAnswers += n - 1;
            // A payment that went to reconciliation: its consumer stopped asking when it listed it (the inbox row),
            // and the reconciliation job may charge again under the same key before it settles; the outcome is
            // recorded when the entry is resolved.
            Entry entry = payments.get(id).entry();
            Instant recorded = entry != null ? entry.resolvedAt() : inbox.get(requestIds.get(id));
            Instant last = Instant.parse(a.path("lastAnsweredAt").asText());
            if (recorded != null && last.isAfter(recorded)) {
                fail(
                        "I5",
                        "payment " + id + " processed twice: the biller answered it again at " + last
                                + ", after its outcome was recorded at " + recorded + " (" + n + " answers)");
            }
        }
    }

    /**
     * I6: per wallet, the topic's order of requests (first occurrence of each ce_id) is the commit order of the
     * payments (transfer seq: written after the wallet row is locked), and outcomes were recorded, and
     * published, in request order. A payment that went to reconciliation is processed, in order, when its consumer
     * lists it (so its wallet's later payments proceed); its outcome, recorded whenever reconciliation settles it,
     * is left out of the outcome order.
     */
    private void checkOrder(Connection c, Map<UUID, Payment> payments, List<Event> topic, Expectations x)
            throws SQLException {
        Set<String> injected = new HashSet<>();
        x.injected().forEach(i -> injected.add(i.position()));
        Map<UUID, List<UUID>> requestOrder = new HashMap<>();
        Map<UUID, List<UUID>> outcomeOrder = new HashMap<>();
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT p.wallet_id, t.reference, t.kind FROM transfer t JOIN bill_payment p ON p.id = t.reference
                        WHERE t.kind IN ('BILL_PAYMENT', 'SETTLEMENT', 'REFUND') ORDER BY t.seq""")) {
            while (rs.next()) {
                UUID wallet = rs.getObject(1, UUID.class);
                UUID payment = rs.getObject(2, UUID.class);
                boolean request = rs.getString(3).equals("BILL_PAYMENT");
                if (!request
                        && payments.containsKey(payment)
                        && payments.get(payment).reconciled()) {
                    continue; // settled by reconciliation, outside its wallet's lane (see below)
                }
                (request ? requestOrder : outcomeOrder)
                        .computeIfAbsent(wallet, k -> new ArrayList<>())
                        .add(payment);
            }
        }
        Map<UUID, List<UUID>> topicRequests = new HashMap<>();
        Map<UUID, List<UUID>> topicOutcomes = new HashMap<>();
        Set<String> seen = new HashSet<>();
        List<Event> ordered = new ArrayList<>(topic);
        ordered.sort((a, b) -> a.partition() != b.partition()
                ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        for (Event e : ordered) {
            if (injected.contains(e.position())) {
                continue; // the tool's foreign or malformed record
            }
            if (e.value() == null || e.ceId() == null || !seen.add(e.ceId()) || e.ceType() == null) {
                continue;
            }
            UUID wallet;
            UUID payment;
            try {
                wallet = UUID.fromString(e.key());
                payment = UUID.fromString(e.value().path("paymentId").asText());
            } catch (RuntimeException ex) {
                continue; // a poison record; I5 reports malformed ones
            }
            switch (e.ceType()) {
                case "BillPaymentRequested" ->
                    topicRequests
                            .computeIfAbsent(wallet, k -> new ArrayList<>())
                            .add(payment);
                case "BillPaymentSucceeded", "BillPaymentFailed" -> {
                    if (!payments.containsKey(payment) || !payments.get(payment).reconciled()) {
                        topicOutcomes
                                .computeIfAbsent(wallet, k -> new ArrayList<>())
                                .add(payment);
                    }
                }
                default -> {}
            }
        }
        for (var entry : requestOrder.entrySet()) {
            UUID wallet = entry.getKey();
            List<UUID> commits = entry.getValue().stream()
                    .filter(p -> !x.discarded().contains(p))
                    .toList();
            List<UUID> published = topicRequests.getOrDefault(wallet, List.of());
            if (!published.equals(commits)) {
                fail(
                        "I6",
                        "wallet " + wallet + ": requests published in another order than committed ("
                                + firstDifference(commits, published) + ")");
            }
            List<UUID> outcomes = outcomeOrder.getOrDefault(wallet, List.of());
            List<UUID> expected = commits.stream().filter(outcomes::contains).toList();
            if (!outcomes.equals(expected)) {
                fail(
                        "I6",
                        "wallet " + wallet + ": outcomes recorded out of request order ("
                                + firstDifference(expected, outcomes) + ")");
            }
            List<UUID> publishedOutcomes = topicOutcomes.getOrDefault(wallet, List.of());
            if (!publishedOutcomes.equals(outcomes)) {
                fail(
                        "I6",
                        "wallet " + wallet + ": outcome events published in another order than recorded ("
                                + firstDifference(outcomes, publishedOutcomes) + ")");
            }
        }
        for (UUID wallet : topicRequests.keySet()) {
            if (!requestOrder.containsKey(wallet)) {
                fail("I6", "requests published for wallet " + wallet + " that has no committed payment");
            }
        }
    }

    private static String firstDifference(List<UUID> expected, List<UUID> actual) {
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
            UUID e = i < expected.size() ? expected.get(i) : null;
            UUID a = i < actual.size() ? actual.get(i) : null;
            if (e == null || !e.equals(a)) {
                return "position " + i + ": expected " + e + ", found " + a + "; " + expected.size() + " vs "
                        + actual.size() + " entries";
            }
        }
        return "equal";
    }

    static long single(Connection c, String sql) throws SQLException {
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
