package io.walletoutbox.ops.chaos;

import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The scenarios that write records onto the events topic that no outbox of this deployment wrote ({@link
 * TopicRecords}): poison records (an unknown type, a value that is no JSON, invalid fields), and, in issue 13's
 * {@code foreign-and-malformed-records}, another deployment's events and malformed records among the run's wallets,
 * whose lanes must not be held by them. Each record must be dead-lettered with its reason, or passed over.
 */
final class InjectedRecordScenarios {
    private InjectedRecordScenarios() {}

    /**
     * Three poison records among the load (an unknown event type, a value that is no JSON, invalid fields), each on
     * a wallet of the run: all must be dead-lettered ({@code unknown-event-type}, {@code unparseable}).
     */
    static Optional<String> poison(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.2, 0.5));
        try (var producer = TopicRecords.producer(r)) {
            UUID wallet = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
            TopicRecords.inject(
                    r,
                    producer,
                    "unknown event type",
                    wallet.toString(),
                    "BillPaymentExploded",
                    true,
                    "{\"paymentId\":\"" + UUID.randomUUID() + "\"}",
                    "unknown-event-type");
            wallet = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
            TopicRecords.inject(
                    r,
                    producer,
                    "value not JSON",
                    wallet.toString(),
                    "BillPaymentRequested",
                    true,
                    "{this is not json",
                    "unparseable");
            wallet = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
            TopicRecords.inject(
                    r,
                    producer,
                    "invalid fields",
                    wallet.toString(),
                    "BillPaymentRequested",
                    true,
                    "{\"paymentId\":\"not-a-uuid\",\"amount\":-5}",
                    "unparseable");
        }
        r.fault(r.injected.size() + " poison records on the topic");
        r.awaitLoad();
        return Optional.empty();
    }

    /**
     * While the load runs, the tool writes batches of records onto the events topic that no payment of this
     * deployment stands behind: payment requests of another deployment (keyed to a foreign wallet, to one of this
     * run's wallets, naming an unknown biller), a {@code BillPayment…} type nobody handles, an event of another
     * aggregate and an outcome event of another deployment (both to be passed over, not dead-lettered), and malformed
     * ones (not JSON, required fields missing, no {@code ce_type}, no {@code ce_id}, a {@code ce_id} that is no
     * UUID, no value at all). Each must be dead-lettered with its reason (or passed over), every real payment must
     * end terminal, and the wallets whose lanes the records shared must not wait for them: their payments' time
     * from creation to completion stays within a bound.
     */
    static Optional<String> foreignAndMalformed(ScenarioRun r) throws Exception {
        r.startLoad();
        List<double[]> windows = MoneyPathScenarios.longMode(r)
                ? List.of(new double[] {0.1, 0.3}, new double[] {0.4, 0.6}, new double[] {0.7, 0.85})
                : List.of(new double[] {0.15, 0.35}, new double[] {0.5, 0.7});
        Set<UUID> hit = new HashSet<>();
        Instant firstInjection = null;
        try (var producer = TopicRecords.producer(r)) {
            for (double[] w : windows) {
                r.sleepUntil(r.between(w[0], w[1]));
                if (firstInjection == null) {
                    firstInjection = Instant.now();
                }
                int before = r.injected.size();
                hit.addAll(injectBatch(r, producer));
                r.fault((r.injected.size() - before) + " foreign and malformed records");
            }
        }
        r.awaitLoad();
        Instant from = firstInjection;
        r.checks.add((c, checker) -> {
            // Real payments of the wallets that shared a lane with an injected record, created after the first one.
            List<Double> hitLatency = new ArrayList<>();
            List<Double> otherLatency = new ArrayList<>();
            try (var ps = c.prepareStatement("""
                    SELECT wallet_id, extract(epoch FROM completed_at - created_at)
                    FROM bill_payment WHERE created_at >= ? AND completed_at IS NOT NULL""")) {
                ps.setTimestamp(1, Timestamp.from(from));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        (hit.contains(rs.getObject(1, UUID.class)) ? hitLatency : otherLatency).add(rs.getDouble(2));
                    }
                }
            }
            r.notes.add(String.format(
                    Locale.ROOT,
                    "lanes=hit:%d(p99 %.1fs max %.1fs) others:%d(p99 %.1fs)",
                    hitLatency.size(),
                    PaymentLatencies.percentile(hitLatency, 0.99),
                    PaymentLatencies.percentile(hitLatency, 1.0),
                    otherLatency.size(),
                    PaymentLatencies.percentile(otherLatency, 0.99)));
            double bound = LANE_BOUND.toMillis() / 1000.0;
            if (PaymentLatencies.percentile(hitLatency, 1.0) > bound) {
                checker.fail(
                        "I7",
                        String.format(
                                Locale.ROOT,
                                "a payment of a wallet that shared its lane with a foreign or malformed record took"
                                        + " %.1fs from creation to completion (bound %.0fs): its lane was held",
                                PaymentLatencies.percentile(hitLatency, 1.0),
                                bound));
            }
        });
        return Optional.empty();
    }

    /**
     * The most a payment of a wallet that shared its lane with foreign or malformed records may take from creation
     * to completion: a record given up on waits three short attempts (well under a second), so this is slack for a
     * loaded two-core machine; a lane held by a record retried "forever" (issue 13's finding) would take minutes.
     */
    static final Duration LANE_BOUND = Duration.ofSeconds(15);

    /** One batch of foreign and malformed records; returns this run's wallets whose lanes they share. */
    private static Set<UUID> injectBatch(ScenarioRun r, KafkaProducer<String, byte[]> producer) throws Exception {
        Set<UUID> hit = new HashSet<>();
        UUID ours = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
        UUID ours2 = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
        UUID ours3 = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
        hit.addAll(List.of(ours, ours2, ours3));
        String foreignWallet = UUID.randomUUID().toString();
        String req = "BillPaymentRequested";
        TopicRecords.inject(
                r,
                producer,
                "another deployment's payment request",
                foreignWallet,
                req,
                true,
                request(UUID.randomUUID(), foreignWallet, "wifi", 1200),
                "unknown-payment");
        TopicRecords.inject(
                r,
                producer,
                "another deployment's payment request on this run's wallet",
                ours.toString(),
                req,
                true,
                request(UUID.randomUUID(), ours.toString(), "wifi", 700),
                "unknown-payment");
        TopicRecords.inject(
                r,
                producer,
                "another deployment's payment to an unknown biller",
                ours2.toString(),
                req,
                true,
                request(UUID.randomUUID(), ours2.toString(), "gas", 300),
                "unknown-payment");
        TopicRecords.inject(
                r,
                producer,
                "a BillPayment type nobody handles",
                ours.toString(),
                "BillPaymentReversed",
                true,
                "{\"paymentId\":\"" + UUID.randomUUID() + "\"}",
                "unknown-event-type");
        TopicRecords.inject(
                r,
                producer,
                "another aggregate's event",
                ours3.toString(),
                "WalletFrozen",
                true,
                "{\"walletId\":\"" + ours3 + "\"}",
                null);
        TopicRecords.inject(
                r,
                producer,
                "another deployment's outcome event",
                foreignWallet,
                "BillPaymentSucceeded",
                true,
                "{\"paymentId\":\"" + UUID.randomUUID() + "\",\"walletId\":\"" + foreignWallet + "\"}",
                null);
        TopicRecords.inject(
                r, producer, "value not JSON", ours2.toString(), req, true, "{\"paymentId\": not json", "unparseable");
        TopicRecords.inject(
                r,
                producer,
                "required fields missing",
                ours3.toString(),
                req,
                true,
                "{\"paymentId\":\"" + UUID.randomUUID() + "\",\"walletId\":\"" + ours3 + "\"}",
                "unparseable");
        TopicRecords.inject(
                r,
                producer,
                "no ce_type header",
                ours.toString(),
                null,
                true,
                request(UUID.randomUUID(), ours.toString(), "wifi", 10),
                "unparseable");
        TopicRecords.inject(
                r,
                producer,
                "no ce_id header",
                ours2.toString(),
                req,
                false,
                request(UUID.randomUUID(), ours2.toString(), "wifi", 20),
                "unparseable");
        TopicRecords.injectWithId(
                r,
                producer,
                "ce_id not a UUID",
                ours3.toString(),
                req,
                "not-a-uuid-" + r.rnd.nextInt(1000),
                request(UUID.randomUUID(), ours3.toString(), "wifi", 30),
                "unparseable");
        TopicRecords.inject(r, producer, "no value", ours.toString(), req, true, null, "unparseable");
        return hit;
    }

    private static String request(UUID payment, String wallet, String biller, long amount) {
        return "{\"paymentId\":\"" + payment + "\",\"walletId\":\"" + wallet + "\",\"biller\":\"" + biller
                + "\",\"customerRef\":\"FOREIGN-" + amount + "\",\"amount\":" + amount + ",\"currency\":\"USD\"}";
    }
}
