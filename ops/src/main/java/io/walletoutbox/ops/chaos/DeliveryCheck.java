package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.ops.chaos.Checker.Entry;
import io.walletoutbox.ops.chaos.Checker.Event;
import io.walletoutbox.ops.chaos.Checker.Expectations;
import io.walletoutbox.ops.chaos.Checker.Injected;
import io.walletoutbox.ops.chaos.Checker.Payment;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The I5 check of the chaos suite (see {@link #check}); its violations go to the {@link Checker} under I5. */
final class DeliveryCheck {
    private DeliveryCheck() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * I5, every committed outbox event reaches Kafka and is processed: {@link #published published}, the records the
     * tool wrote {@link #deadLettered dead-lettered} (or passed over) as they must be, and each payment {@link
     * #processedOnce processed once}. {@code deadLetters} are the records of {@code <topic>.dlq}; {@code inbox} maps
     * the event ids the consumer processed to when; {@code answersJson} is the simulators' {@code /v1/answers}.
     *
     * @return how many times, over all payments, the biller answered a payment it had answered before
     */
    static int check(
            Checker checker,
            Connection c,
            Map<UUID, Payment> payments,
            List<Event> topic,
            List<Event> deadLetters,
            Map<String, Instant> inbox,
            String answersJson,
            Expectations x)
            throws Exception {
        published(checker, c, payments, topic, inbox, x);
        deadLettered(checker, deadLetters, inbox, x);
        return processedOnce(checker, payments, topic, inbox, answersJson, x);
    }

    /** Every committed event reached Kafka and every payment request was processed. */
    private static void published(
            Checker checker,
            Connection c,
            Map<UUID, Payment> payments,
            List<Event> topic,
            Map<String, Instant> inbox,
            Expectations x)
            throws SQLException {
        long left = Checker.single(c, "SELECT count(*) FROM outbox_event");
        if (left > 0) {
            checker.fail("I5", left + " events still in the outbox");
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
                checker.fail("I5", "record " + e.partition() + "/" + e.offset() + " without ce_id or JSON value");
                continue;
            }
            UUID payment = UUID.fromString(e.value().path("paymentId").asText());
            if (!payments.containsKey(payment)) {
                checker.fail("I5", "event " + e.ceId() + " for a payment that is not committed: " + payment);
            }
            switch (e.ceType()) {
                case "BillPaymentRequested" -> {
                    requested.add(payment);
                    if (!inbox.containsKey(e.ceId())) {
                        checker.fail(
                                "I5",
                                "BillPaymentRequested " + e.ceId() + " (payment " + payment + ") not in the inbox");
                    }
                }
                case "BillPaymentSucceeded", "BillPaymentFailed" -> outcomes.add(payment);
                default -> checker.fail("I5", "unexpected event type " + e.ceType());
            }
        }
        for (Payment p : payments.values()) {
            if (!requested.contains(p.id()) && !x.discarded().contains(p.id())) {
                checker.fail("I5", "BillPaymentRequested of payment " + p.id() + " never reached the topic");
            }
            if (!p.status().equals("PENDING") && !outcomes.contains(p.id())) {
                checker.fail(
                        "I5", "the outcome event of " + p.status() + " payment " + p.id() + " never reached the topic");
            }
        }
    }

    /**
     * For records nobody could pay: every record the tool wrote that must be dead-lettered is on {@code
     * <topic>.dlq} (matched by its {@code dlq_origin}) with the expected {@code dlq_reason}, and when its {@code
     * ce_id} is a UUID it is marked in the inbox (a redelivery is not retried; not a {@code record-mismatch}, whose
     * event id is not to be trusted); a record the consumer must pass
     * over is not dead-lettered; and no other record (a real payment's) was dead-lettered.
     */
    private static void deadLettered(
            Checker checker, List<Event> deadLetters, Map<String, Instant> inbox, Expectations x) {
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
                    checker.fail("I5", i.what() + " at " + i.position() + " was dead-lettered; it must be passed over");
                }
                continue;
            }
            if (letters.isEmpty()) {
                checker.fail("I5", i.what() + " at " + i.position() + " is not on the dead-letter topic");
                continue;
            }
            for (Event d : letters) {
                String reason = d.headers().get("dlq_reason");
                if (!i.deadLetterReason().equals(reason)) {
                    checker.fail(
                            "I5",
                            i.what() + " at " + i.position() + " dead-lettered with dlq_reason " + reason + ", not "
                                    + i.deadLetterReason());
                }
                String error = d.headers().get("dlq_error");
                if (error == null || error.isBlank()) {
                    checker.fail("I5", i.what() + " at " + i.position() + " dead-lettered without dlq_error");
                }
            }
            if (i.ceId() != null
                    && isUuid(i.ceId())
                    && !"record-mismatch".equals(i.deadLetterReason())
                    && !inbox.containsKey(i.ceId())) {
                checker.fail("I5", i.what() + " at " + i.position() + " dead-lettered but not marked in the inbox");
            }
        }
        for (var e : byOrigin.entrySet()) {
            if (!injected.contains(e.getKey())) {
                checker.fail(
                        "I5",
                        e.getValue().size() + " dead letter(s) from " + e.getKey()
                                + ", a record the tool did not write (a real payment's event dead-lettered)");
            }
        }
    }

    /**
     * Processed once: no payment was asked of the biller again after its outcome was recorded (the inbox row of
     * its request, written first in the consumer's outcome transaction, at that transaction's start). The consumer
     * asks again only when it never got an answer (a 503, a dropped or timed-out request: not counted by the
     * simulator) or could not commit one (a crash, the database restarting): all before the transaction that
     * records the outcome. A redelivered event (a relay's duplicate, a rebalance) must stop at the inbox. A consumer
     * that skipped its inbox check would leave money intact (the biller's idempotency key and the PENDING guard
     * absorb the duplicate) but ask the biller again for every duplicate on the topic: this is the check that sees
     * it. Both clocks are this machine's (the simulator's answer time is taken before it writes the answer).
     * Returns how many answers, over all payments, repeated an earlier one (allowed or not).
     */
    private static int processedOnce(
            Checker checker,
            Map<UUID, Payment> payments,
            List<Event> topic,
            Map<String, Instant> inbox,
            String answersJson,
            Expectations x)
            throws Exception {
        int repeatedAnswers = 0;
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
                checker.fail(
                        "I5",
                        "payment " + id + " processed twice: the biller answered it again at " + last
                                + ", after its outcome was recorded at " + recorded + " (" + n + " answers)");
            }
        }
        return repeatedAnswers;
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
}
