package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Checks invariants I1–I7 of DESIGN.md from the outside, after quiescence: from the database (SQL only, none
 * of the service's code), every record of the events topic and of its dead-letter topic (read by {@link
 * TopicReader}), and the billers' {@code /v1/charges} and {@code /v1/answers}. Each invariant has a check class of
 * its own ({@link #check} runs them); this class holds what they share: the records they read, the scenario's
 * expectations, and the violations, which every check (the scenario's own too) reports through {@link #fail} as
 * text, by invariant; an empty list is a pass.
 */
final class Checker {
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

    /** How many times, over all payments, the biller answered a payment it had answered before (I5). */
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

    record Payment(UUID id, UUID wallet, long amount, String status, String customerRef, String biller, Entry entry) {
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
     * Runs every check, one class per invariant, in order: {@link ConservationCheck} (I1), {@link OverdraftCheck}
     * (I2), {@link PaymentLifecycleCheck} (I3), {@link ChargeCheck} (I4), {@link DeliveryCheck} (I5), {@link
     * OrderCheck} (I6), {@link StuckCheck} (I7). {@code deadLetters} are the records of {@code <topic>.dlq}; {@code
     * chargesJson} and {@code answersJson} are the simulators' {@code /v1/charges} and {@code /v1/answers} (one JSON
     * array each; a charge may carry {@code "simulator"}, the name of the simulator that made it).
     */
    void check(
            Connection c,
            List<Event> topic,
            List<Event> deadLetters,
            String chargesJson,
            String answersJson,
            Expectations x)
            throws Exception {
        Map<UUID, Payment> payments = payments(c);
        Map<String, Instant> inbox = inbox(c);
        ConservationCheck.check(this, c);
        OverdraftCheck.check(this, c);
        PaymentLifecycleCheck.check(this, c, payments, x);
        ChargeCheck.check(this, payments, chargesJson, x);
        repeatedAnswers += DeliveryCheck.check(this, c, payments, topic, deadLetters, inbox, answersJson, x);
        OrderCheck.check(this, c, payments, topic, x);
        StuckCheck.check(this, c, payments, x);
    }

    /** Every payment of the database, with its reconciliation entry if it has one. */
    private static Map<UUID, Payment> payments(Connection c) throws SQLException {
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
        return payments;
    }

    /** The event ids the payment consumer processed, and when (its inbox rows). */
    private static Map<String, Instant> inbox(Connection c) throws SQLException {
        Map<String, Instant> inbox = new HashMap<>();
        try (var s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT event_id, processed_at FROM inbox WHERE consumer = 'bill-payments'")) {
            while (rs.next()) {
                inbox.put(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant());
            }
        }
        return inbox;
    }

    static long single(Connection c, String sql) throws SQLException {
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
