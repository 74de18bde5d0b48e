package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.ops.chaos.Cluster.Service;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code forged-records} and {@code cdc-forged-logical-messages}: while the load runs, someone who can write to the
 * relay's path puts payment requests on it that name REAL payments of this deployment (read from the database) with
 * foreign values: another biller, another customer reference, amount 99,999,999, another currency or another wallet
 * (all of them, or one at a time), some with the payment's genuine event id, some with a fresh one. In the polling
 * deployment they are Kafka records written to the events topic, some while both relays are paused (SIGSTOP), so
 * they land before the genuine event; in the CDC deployment they are transactional logical decoding messages with
 * the outbox's prefix, emitted from a database connection of the tool's own. No biller may ever see a foreign value,
 * every payment settles with its own values, and each forged record is dead-lettered as {@code record-mismatch}
 * (not marked in the inbox) unless it carries an event id the consumer had processed before it (then it is skipped
 * as a duplicate); see {@link ForgeryCheck}.
 */
final class ForgedRecordsScenario {
    private ForgedRecordsScenario() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The amount every forged record that changes the amount asks for. */
    static final long FORGED_AMOUNT = 99_999_999L;

    /** The currency every forged record that changes the currency names (the wallets hold USD). */
    static final String FORGED_CURRENCY = "EUR";

    /** The prefix of the outbox's logical decoding messages ({@code OutboxMode.MESSAGE_PREFIX}). */
    static final String MESSAGE_PREFIX = "walletoutbox.outbox";

    /** A payment as its row in the ledger has it. */
    record Payment(UUID id, UUID wallet, String biller, String customerRef, long amount, String currency) {}

    /**
     * One forged record: the payment it names, its event id (the genuine one when {@code genuineId}), its value,
     * what it changes, and where it landed (partition -1 until found on the topic, for a logical message).
     */
    record Forged(
            Payment payment, String ceId, boolean genuineId, String value, String what, int partition, long offset) {
        Forged at(int partition, long offset) {
            return new Forged(payment, ceId, genuineId, value, what, partition, offset);
        }
    }

    /** Both billers with a simulator each, so a charge at the wrong biller shows. */
    static void setup(ScenarioRun r) throws Exception {
        TwoBillersScenario.setup(r);
    }

    static Optional<String> polling(ScenarioRun r) throws Exception {
        return run(r, false);
    }

    static Optional<String> cdc(ScenarioRun r) throws Exception {
        CdcScenarios.switchToCdc(r);
        return run(r, true);
    }

    private static Optional<String> run(ScenarioRun r, boolean cdc) throws Exception {
        // Payments stay PENDING at the biller for a moment, so published ones waiting in their lane can be named.
        for (String sim : r.cluster.simulatorNames()) {
            r.cluster.simFaults(sim, "{\"latencyMs\":800}");
        }
        r.fault("billers answer after 800ms");
        r.startLoad();
        List<Forged> forged = new ArrayList<>();
        List<double[]> windows = MoneyPathScenarios.longMode(r)
                ? List.of(new double[] {0.1, 0.3}, new double[] {0.4, 0.6}, new double[] {0.7, 0.85})
                : List.of(new double[] {0.15, 0.35}, new double[] {0.5, 0.7});
        try (var producer = TopicRecords.producer(r)) {
            for (double[] w : windows) {
                r.sleepUntil(r.between(w[0], w[1]));
                int before = forged.size();
                if (!cdc) {
                    forged.addAll(ahead(r, producer, forged.size()));
                }
                forged.addAll(behind(r, cdc ? null : producer, forged.size()));
                r.fault((forged.size() - before) + (cdc ? " forged logical messages" : " forged records"));
            }
        }
        r.awaitLoad();
        List<ForgeryCheck.Placed> placed = ForgeryCheck.expect(r, forged, cdc);
        r.checks.add((c, checker) -> ForgeryCheck.check(r, c, checker, placed, cdc));
        return Optional.empty();
    }

    /**
     * Forged records that land before their payments' genuine events: both relays paused while the api keeps
     * writing, the oldest unpublished requests read from {@code outbox_event} (their genuine event ids too), a
     * forged record for each with its genuine id and one with a fresh id, then the relays continue.
     */
    private static List<Forged> ahead(ScenarioRun r, KafkaProducer<String, byte[]> producer, int n) throws Exception {
        List<Service> relays = List.of(r.service("relay-a"), r.service("relay-b"));
        for (Service s : relays) {
            Cluster.signal(s.pid(), "STOP");
        }
        List<Forged> out = new ArrayList<>();
        try {
            r.awaitNames(
                    "SELECT 'x' FROM outbox_event WHERE event_type = 'BillPaymentRequested' HAVING count(*) >= 2",
                    Duration.ofSeconds(10));
            Map<Payment, String> unpublished = new HashMap<>();
            try (Connection c = r.db();
                    var s = c.createStatement();
                    ResultSet rs = s.executeQuery("""
                            SELECT o.event_id, p.id, p.wallet_id, p.biller, p.customer_ref, p.amount, p.currency
                            FROM outbox_event o JOIN bill_payment p ON p.id = (o.payload::jsonb ->> 'paymentId')::uuid
                            WHERE o.event_type = 'BillPaymentRequested' ORDER BY o.id LIMIT 3""")) {
                while (rs.next()) {
                    unpublished.put(payment(rs, 2), rs.getString(1));
                }
            }
            for (var e : unpublished.entrySet()) {
                out.add(produce(r, producer, e.getKey(), e.getValue(), true, n + out.size()));
                out.add(produce(r, producer, e.getKey(), UUID.randomUUID().toString(), false, n + out.size()));
            }
        } finally {
            for (Service s : relays) {
                Cluster.signal(s.pid(), "CONT");
            }
        }
        r.fault("relays paused while " + out.size() + " forged records went ahead of their genuine events");
        return out;
    }

    /**
     * Forged records (or logical messages) naming payments still PENDING (at the biller, waiting in their lane, or
     * not yet published), each with a fresh event id and, when its genuine event is on the topic already, once more
     * with that event's id (a forger who reads the topic).
     */
    private static List<Forged> behind(ScenarioRun r, KafkaProducer<String, byte[]> producer, int n) throws Exception {
        Map<UUID, String> genuine = new HashMap<>();
        for (Checker.Event e : TopicReader.readAll(r.cluster.bootstrap(), r.cluster.topic())) {
            if ("BillPaymentRequested".equals(e.ceType()) && e.value() != null && e.ceId() != null) {
                try {
                    genuine.putIfAbsent(
                            UUID.fromString(e.value().path("paymentId").asText()), e.ceId());
                } catch (IllegalArgumentException ignored) {
                    // not a payment's record
                }
            }
        }
        List<Payment> pending = new ArrayList<>();
        try (Connection c = r.db();
                var s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT id, wallet_id, biller, customer_ref, amount, currency FROM bill_payment
                        WHERE status = 'PENDING' ORDER BY created_at DESC""")) {
            while (rs.next()) {
                pending.add(payment(rs, 1));
            }
        }
        List<Forged> out = new ArrayList<>();
        for (Payment p : pending) {
            String ceId = genuine.get(p.id());
            if (ceId != null) {
                out.add(write(r, producer, p, ceId, true, n + out.size()));
            }
            out.add(write(r, producer, p, UUID.randomUUID().toString(), false, n + out.size()));
            if (out.size() >= 6) {
                break;
            }
        }
        return out;
    }

    private static Payment payment(ResultSet rs, int from) throws Exception {
        return new Payment(
                rs.getObject(from, UUID.class),
                rs.getObject(from + 1, UUID.class),
                rs.getString(from + 2),
                rs.getString(from + 3),
                rs.getLong(from + 4),
                rs.getString(from + 5));
    }

    /** A Kafka record when {@code producer} is given, else a logical decoding message. */
    private static Forged write(
            ScenarioRun r, KafkaProducer<String, byte[]> producer, Payment p, String ceId, boolean genuineId, int n)
            throws Exception {
        return producer != null ? produce(r, producer, p, ceId, genuineId, n) : emit(r, p, ceId, genuineId, n);
    }

    private static Forged produce(
            ScenarioRun r, KafkaProducer<String, byte[]> producer, Payment p, String ceId, boolean genuineId, int n)
            throws Exception {
        Forged f = forge(r, p, ceId, genuineId, n);
        var record = new ProducerRecord<String, byte[]>(
                r.cluster.topic(), p.wallet().toString(), f.value().getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_id", ceId.getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_type", "BillPaymentRequested".getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_source", "/wallet-outbox".getBytes(StandardCharsets.UTF_8));
        record.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        var meta = producer.send(record).get();
        return f.at(meta.partition(), meta.offset());
    }

    /**
     * The outbox writer's transactional logical decoding message, with the document it writes ({@code
     * LogicalMessages}), emitted and committed on a connection of the tool's own.
     */
    private static Forged emit(ScenarioRun r, Payment p, String ceId, boolean genuineId, int n) throws Exception {
        Forged f = forge(r, p, ceId, genuineId, n);
        try (Connection c = r.db();
                var ps = c.prepareStatement("""
                        SELECT pg_logical_emit_message(true, ?, json_build_object(
                            'eventId', CAST(? AS uuid),
                            'aggregateType', 'Wallet',
                            'aggregateId', CAST(? AS text),
                            'type', 'BillPaymentRequested',
                            'topic', CAST(? AS text),
                            'payload', CAST(? AS text),
                            'headers', '{}'::jsonb,
                            'createdAtMicros', CAST(EXTRACT(EPOCH FROM now()) * 1000000 AS bigint))::text)""")) {
            ps.setString(1, MESSAGE_PREFIX);
            ps.setString(2, ceId);
            ps.setString(3, p.wallet().toString());
            ps.setString(4, r.cluster.topic());
            ps.setString(5, f.value());
            ps.execute();
        }
        return f;
    }

    /**
     * The forged value for {@code p}: the {@code n}-th forgery changes, in turn, every field at once, the amount,
     * the customer reference, the biller, the currency, the wallet.
     */
    private static Forged forge(ScenarioRun r, Payment p, String ceId, boolean genuineId, int n) {
        String biller = p.biller();
        String ref = p.customerRef();
        long amount = p.amount();
        String currency = p.currency();
        UUID wallet = p.wallet();
        String otherBiller = p.biller().equals("wifi") ? "power" : "wifi";
        String forgedRef = "FORGED-" + r.tag + "-" + n;
        String what;
        switch (n % 6) {
            case 0 -> {
                biller = otherBiller;
                ref = forgedRef;
                amount = FORGED_AMOUNT;
                currency = FORGED_CURRENCY;
                what = "every value";
            }
            case 1 -> {
                amount = FORGED_AMOUNT;
                what = "amount";
            }
            case 2 -> {
                ref = forgedRef;
                what = "customerRef";
            }
            case 3 -> {
                biller = otherBiller;
                what = "biller";
            }
            case 4 -> {
                currency = FORGED_CURRENCY;
                what = "currency";
            }
            default -> {
                List<UUID> others =
                        r.wallets.stream().filter(w -> !w.equals(p.wallet())).toList();
                wallet = others.isEmpty() ? UUID.randomUUID() : others.get(r.rnd.nextInt(others.size()));
                what = "walletId";
            }
        }
        String value = JSON.createObjectNode()
                .put("paymentId", p.id().toString())
                .put("walletId", wallet.toString())
                .put("biller", biller)
                .put("customerRef", ref)
                .put("amount", amount)
                .put("currency", currency)
                .toString();
        String label = "forged " + what + " of payment " + p.id() + (genuineId ? " with its genuine ce_id" : "");
        return new Forged(p, ceId, genuineId, value, label, -1, -1);
    }
}
