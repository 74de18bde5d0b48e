package io.walletoutbox.ops.chaos;

import io.walletoutbox.ops.chaos.Checker.Event;
import io.walletoutbox.ops.chaos.Checker.Expectations;
import io.walletoutbox.ops.chaos.Checker.Payment;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The I6 check of the chaos suite (see {@link #check}); its violations go to the {@link Checker} under I6. */
final class OrderCheck {
    private OrderCheck() {}

    /**
     * I6: per wallet, the topic's order of requests (first occurrence of each ce_id) is the commit order of the
     * payments (transfer seq: written after the wallet row is locked), and outcomes were recorded, and
     * published, in request order. A payment that went to reconciliation is processed, in order, when its consumer
     * lists it (so its wallet's later payments proceed); its outcome, recorded whenever reconciliation settles it,
     * is left out of the outcome order.
     */
    static void check(Checker checker, Connection c, Map<UUID, Payment> payments, List<Event> topic, Expectations x)
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
                checker.fail(
                        "I6",
                        "wallet " + wallet + ": requests published in another order than committed ("
                                + firstDifference(commits, published) + ")");
            }
            List<UUID> outcomes = outcomeOrder.getOrDefault(wallet, List.of());
            List<UUID> expected = commits.stream().filter(outcomes::contains).toList();
            if (!outcomes.equals(expected)) {
                checker.fail(
                        "I6",
                        "wallet " + wallet + ": outcomes recorded out of request order ("
                                + firstDifference(expected, outcomes) + ")");
            }
            List<UUID> publishedOutcomes = topicOutcomes.getOrDefault(wallet, List.of());
            if (!publishedOutcomes.equals(outcomes)) {
                checker.fail(
                        "I6",
                        "wallet " + wallet + ": outcome events published in another order than recorded ("
                                + firstDifference(outcomes, publishedOutcomes) + ")");
            }
        }
        for (UUID wallet : topicRequests.keySet()) {
            if (!requestOrder.containsKey(wallet)) {
                checker.fail("I6", "requests published for wallet " + wallet + " that has no committed payment");
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
}
