package io.walletoutbox.ops.chaos;

import io.walletoutbox.ops.chaos.Cluster.Service;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The scenarios. Each declares its service processes and a body that starts the load and injects its faults on
 * a schedule drawn from the run's seeded random; the suite then restores everything, waits for quiescence and
 * checks I1–I6. A body returns a reason when the scenario cannot run in this build (it is then reported
 * SKIPPED, not passed).
 */
final class Scenarios {
    private Scenarios() {}

    /** A scenario: its name, extra services beyond the standard set, and its body. */
    record Scenario(String name, List<String> extraConsumers, Body body) {}

    @FunctionalInterface
    interface Body {
        Optional<String> run(ScenarioRun r) throws Exception;
    }

    /** A trigger function that sleeps inside the statements of the services whose application_name is LIKE arg 0. */
    private static final String PAUSE_FUNCTION = """
            CREATE OR REPLACE FUNCTION chaos_pause() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF current_setting('application_name') LIKE TG_ARGV[0] THEN
                    PERFORM pg_sleep(TG_ARGV[1]::float8);
                END IF;
                RETURN NULL;
            END;
            $$""";

    static List<Scenario> all() {
        return List.of(
                new Scenario("api-kill9", List.of(), Scenarios::apiKill),
                new Scenario("relay-kill9-after-ack", List.of(), Scenarios::relayKillAfterAck),
                new Scenario("relay-sigstop-order", List.of(), Scenarios::relaySigstop),
                new Scenario("outbox-late-commit", List.of(), Scenarios::lateCommit),
                new Scenario("broker-sigstop", List.of(), Scenarios::brokerSigstop),
                new Scenario("broker-kill9-restart", List.of(), Scenarios::brokerKill),
                new Scenario("postgres-immediate-restart", List.of(), Scenarios::postgresRestart),
                new Scenario("consumer-kill9-after-charge", List.of("consumer-b"), Scenarios::consumerKillAfterCharge),
                new Scenario("consumer-churn", List.of(), Scenarios::consumerChurn),
                new Scenario("biller-faults", List.of(), Scenarios::billerFaults),
                new Scenario("poison-record", List.of(), Scenarios::poison),
                new Scenario("cdc-relay-kill9", List.of(), Scenarios::cdcRelayKill),
                new Scenario("cdc-broker-sigstop", List.of(), Scenarios::cdcBrokerSigstop));
    }

    private static Optional<String> apiKill(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.25, 0.6));
        Service api = r.service("api");
        // Kill while requests are being served (bounded wait for one in flight).
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (r.driver.inFlight.get() == 0 && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        int inFlight = r.driver.inFlight.get();
        r.cluster.kill9(api);
        r.fault("kill -9 api (" + inFlight + " requests in flight)");
        Cluster.sleep(500 + r.rnd.nextInt(2000));
        r.cluster.launch(api);
        r.cluster.awaitReady(api, Duration.ofSeconds(90));
        r.fault("api restarted");
        r.awaitLoad();
        return Optional.empty();
    }

    private static Optional<String> relayKillAfterAck(ScenarioRun r) throws Exception {
        // Widen the window between Kafka's ack and the delete: a relay's DELETE sleeps, after its sends were acked.
        // Both relays get the trigger: whichever publishes is caught (one relay polling at its shortest interval
        // can take every event while the other backs off, so waiting for a chosen one could wait forever).
        return killWhereStatementsPause(
                r,
                "relay",
                "BEFORE DELETE ON outbox_event FOR EACH STATEMENT",
                "outbox_event",
                "after ack, before delete",
                "the delete of acknowledged rows");
    }

    /**
     * Makes the statements of every service named {@code role-…} sleep in a trigger ({@code timing}, on {@code
     * table}), starts the load, kills -9 one service caught sleeping there (seeded choice), drops the trigger and
     * restarts that service after a short pause.
     */
    private static Optional<String> killWhereStatementsPause(
            ScenarioRun r, String role, String timing, String table, String where, String window) throws Exception {
        String trigger = "chaos_" + role + "_pause";
        r.sql(PAUSE_FUNCTION);
        r.sql("CREATE TRIGGER " + trigger + " " + timing + " EXECUTE FUNCTION chaos_pause('" + role + "-%', '6')");
        r.startLoad();
        r.sleepUntil(r.between(0.1, 0.4));
        List<String> caught = r.awaitNames(
                "SELECT DISTINCT application_name FROM pg_stat_activity WHERE application_name LIKE '" + role
                        + "-%' AND wait_event = 'PgSleep' ORDER BY application_name",
                Duration.ofSeconds(30));
        if (caught.isEmpty()) {
            throw new IllegalStateException("no " + role + " reached " + window);
        }
        Service victim = r.service(caught.get(r.rnd.nextInt(caught.size())));
        r.cluster.kill9(victim);
        r.fault("kill -9 " + victim.name + " " + where);
        r.sql("DROP TRIGGER " + trigger + " ON " + table);
        Cluster.sleep(1000 + r.rnd.nextInt(2000));
        r.cluster.launch(victim);
        r.fault(victim.name + " restarted");
        r.awaitLoad();
        return Optional.empty();
    }

    private static Optional<String> relaySigstop(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.2, 0.5));
        // The relay holding a lease right now (an open publishing transaction) holds its shard's oldest events.
        String holder = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (holder == null && System.nanoTime() < deadline) {
            try (Connection c = r.db();
                    var s = c.createStatement();
                    ResultSet rs = s.executeQuery("""
                            SELECT application_name FROM pg_stat_activity
                            WHERE application_name IN ('relay-a', 'relay-b') AND xact_start IS NOT NULL
                              AND EXISTS (SELECT 1 FROM outbox_event)
                            ORDER BY xact_start LIMIT 1""")) {
                if (rs.next()) {
                    holder = rs.getString(1);
                }
            }
            if (holder == null) {
                Cluster.sleep(5);
            }
        }
        if (holder == null) {
            holder = r.rnd.nextBoolean() ? "relay-a" : "relay-b";
        }
        Service relay = r.service(holder);
        Cluster.signal(relay.pid(), "STOP");
        r.fault("SIGSTOP " + holder);
        long pause = (long) (r.load.duration().toMillis() * r.between(0.3, 0.5));
        Cluster.sleep(pause);
        Cluster.signal(relay.pid(), "CONT");
        r.fault("SIGCONT " + holder + " after " + pause + "ms");
        r.awaitLoad();
        return Optional.empty();
    }

    private static Optional<String> lateCommit(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.15, 0.35));
        UUID wallet = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
        UUID payment = UUID.randomUUID();
        long amount = 1 + r.rnd.nextInt(1000);
        String ref = "ACC-" + r.tag + "-held";
        try (Connection c = r.db()) {
            UUID clearing;
            try (var s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT id FROM account WHERE kind = 'BILLER_CLEARING' AND currency = 'USD' LIMIT 1")) {
                if (!rs.next()) {
                    throw new IllegalStateException("no clearing account yet");
                }
                clearing = rs.getObject(1, UUID.class);
            }
            c.setAutoCommit(false);
            // The same statements, in the same order, as the API's payment transaction: the wallet row is locked
            // first, then the outbox row takes its id.
            update(c, "UPDATE account SET balance = balance - ? WHERE id = ? AND balance >= ?", amount, wallet, amount);
            update(c, "UPDATE account SET balance = balance + ? WHERE id = ?", amount, clearing);
            update(
                    c,
                    "INSERT INTO bill_payment (id, wallet_id, clearing_account, biller, customer_ref, amount, currency,"
                            + " status, created_at) VALUES (?, ?, ?, 'wifi', ?, ?, 'USD', 'PENDING', now())",
                    payment,
                    wallet,
                    clearing,
                    ref,
                    amount);
            update(
                    c,
                    "INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency,"
                            + " created_at) VALUES (?, 'BILL_PAYMENT', ?, ?, ?, ?, 'USD', now())",
                    UUID.randomUUID(),
                    payment,
                    wallet,
                    clearing,
                    amount);
            String payload = "{\"paymentId\":\"" + payment + "\",\"walletId\":\"" + wallet
                    + "\",\"biller\":\"wifi\",\"customerRef\":\"" + ref + "\",\"amount\":" + amount
                    + ",\"currency\":\"USD\"}";
            long heldId;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO outbox_event (event_id, shard, aggregate_type, aggregate_id, event_type, topic,"
                            + " payload, headers, created_at) VALUES (?, ?, 'Wallet', ?, 'BillPaymentRequested', ?,"
                            + " ?, '{}'::jsonb, now()) RETURNING id")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setInt(2, Math.floorMod(wallet.toString().hashCode(), 64));
                ps.setString(3, wallet.toString());
                ps.setString(4, r.cluster.topic());
                ps.setString(5, payload);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    heldId = rs.getLong(1);
                }
            }
            r.fault("tool transaction took outbox id " + heldId + " and holds it open");
            long hold = (long) (r.load.duration().toMillis() * r.between(0.3, 0.5));
            Cluster.sleep(hold);
            long committedAbove = committedHigherIds(r, heldId);
            c.commit();
            r.toolPayments.add(payment);
            r.fault("committed id " + heldId + " after " + hold + "ms; " + committedAbove
                    + " higher ids were published meanwhile");
            if (committedAbove == 0) {
                r.fault("WARNING no higher id committed while held (load too small)");
            }
        }
        r.awaitLoad();
        return Optional.empty();
    }

    /** How many events with a higher outbox id than {@code heldId} reached the topic before the held commit. */
    private static long committedHigherIds(ScenarioRun r, long heldId) throws Exception {
        try (Connection c = r.db();
                var s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT last_value FROM outbox_event_id_seq")) {
            rs.next();
            long last = rs.getLong(1);
            try (var s2 = c.createStatement();
                    ResultSet left = s2.executeQuery("SELECT count(*) FROM outbox_event WHERE id > " + heldId)) {
                left.next();
                return Math.max(0, last - heldId - left.getLong(1));
            }
        }
    }

    private static void update(Connection c, String sql, Object... args) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("no row for: " + sql);
            }
        }
    }

    private static Optional<String> brokerSigstop(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.1, 0.3));
        long pid = r.cluster.broker().pid();
        Cluster.signal(pid, "STOP");
        r.fault("SIGSTOP broker");
        long pause = r.load.duration().toMillis() >= 30_000 ? 30_000 : 8_000 + r.rnd.nextInt(4000);
        Cluster.sleep(pause);
        Cluster.signal(pid, "CONT");
        r.fault("SIGCONT broker after " + pause + "ms");
        r.awaitLoad();
        return Optional.empty();
    }

    private static Optional<String> brokerKill(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.2, 0.5));
        r.cluster.killBroker();
        r.fault("kill -9 broker");
        Cluster.sleep(1000 + r.rnd.nextInt(2000));
        r.cluster.restartBroker();
        r.fault("broker restarted");
        r.awaitLoad();
        return Optional.empty();
    }

    private static Optional<String> postgresRestart(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.2, 0.5));
        r.cluster.postgresImmediateStop();
        r.fault("PostgreSQL immediate shutdown (SIGQUIT postmaster)");
        Cluster.sleep(500 + r.rnd.nextInt(1500));
        r.cluster.restartPostgres();
        r.fault("PostgreSQL restarted (crash recovery)");
        r.awaitLoad();
        return Optional.empty();
    }

    private static Optional<String> consumerKillAfterCharge(ScenarioRun r) throws Exception {
        // Widen the window between the biller's answer and the commit: a consumer's inbox insert (the first
        // statement of its outcome transaction) sleeps. Both consumers get the trigger, and one caught there is
        // killed (the group decides which consumer owns the wallets' partitions).
        return killWhereStatementsPause(
                r,
                "consumer",
                "AFTER INSERT ON inbox FOR EACH ROW",
                "inbox",
                "after the biller answered, before its transaction committed",
                "its outcome transaction");
    }

    private static Optional<String> consumerChurn(ScenarioRun r) throws Exception {
        List<Service> extra = new ArrayList<>();
        for (String n : List.of("consumer-b", "consumer-c")) {
            extra.add(r.cluster.define(n, "consumer", Map.of()));
        }
        r.startLoad();
        int changes = 0;
        long deadline = System.nanoTime() + r.load.duration().toNanos();
        while (System.nanoTime() < deadline && changes < 100) {
            Cluster.sleep(1500 + r.rnd.nextInt(2500));
            Service s = extra.get(r.rnd.nextInt(extra.size()));
            if (s.alive()) {
                r.cluster.stop(s);
                r.fault(s.name + " left");
            } else {
                r.cluster.launch(s);
                r.fault(s.name + " joining");
            }
            changes++;
        }
        r.awaitLoad();
        return Optional.empty();
    }

    private static Optional<String> billerFaults(ScenarioRun r) throws Exception {
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

    private static Optional<String> poison(ScenarioRun r) throws Exception {
        r.startLoad();
        r.sleepUntil(r.between(0.2, 0.5));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, r.cluster.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            String[][] poisons = {
                {"BillPaymentExploded", "{\"paymentId\":\"" + UUID.randomUUID() + "\"}"},
                {"BillPaymentRequested", "{this is not json"},
                {"BillPaymentRequested", "{\"paymentId\":\"not-a-uuid\",\"amount\":-5}"}
            };
            for (String[] poison : poisons) {
                String id = UUID.randomUUID().toString();
                UUID wallet = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
                var record = new ProducerRecord<String, byte[]>(
                        r.cluster.topic(), wallet.toString(), poison[1].getBytes(StandardCharsets.UTF_8));
                record.headers().add("ce_id", id.getBytes(StandardCharsets.UTF_8));
                record.headers().add("ce_type", poison[0].getBytes(StandardCharsets.UTF_8));
                producer.send(record).get();
                r.poisonIds.add(id);
                r.poisonRecords++;
            }
        }
        r.fault(r.poisonRecords + " poison records on the topic");
        r.awaitLoad();
        return Optional.empty();
    }

    private static Optional<String> cdcRelayKill(ScenarioRun r) throws Exception {
        Optional<Service> relay = switchToCdc(r);
        if (relay.isEmpty()) {
            return Optional.of(r.skipReason);
        }
        r.startLoad();
        r.sleepUntil(r.between(0.2, 0.5));
        r.cluster.kill9(relay.get());
        r.fault("kill -9 relay-cdc");
        Cluster.sleep(1000 + r.rnd.nextInt(2000));
        r.cluster.launch(relay.get());
        r.fault("relay-cdc restarted");
        r.awaitLoad();
        return Optional.empty();
    }

    private static Optional<String> cdcBrokerSigstop(ScenarioRun r) throws Exception {
        Optional<Service> relay = switchToCdc(r);
        if (relay.isEmpty()) {
            return Optional.of(r.skipReason);
        }
        return brokerSigstop(r);
    }

    /**
     * The CDC relay replaces both polling relays: starts one with RELAY_MODE=cdc, then restarts every writer (the
     * api writes requests, the consumers outcomes) in cdc mode too, so they emit logical decoding messages
     * instead of outbox rows; the polling relays stop for good. Empty, with {@link ScenarioRun#skipReason} set,
     * when the CDC relay cannot start in this build.
     */
    private static Optional<Service> switchToCdc(ScenarioRun r) throws Exception {
        Service relay = r.cluster.define("relay-cdc", "relay", Map.of("RELAY_MODE", "cdc"));
        r.cluster.launch(relay);
        if (!r.cluster.awaitReady(relay, Duration.ofSeconds(90))) {
            String tail = r.cluster.logTail(relay, 5);
            r.cluster.stop(relay);
            r.skipReason = tail.lines()
                    .filter(l -> l.contains("cdc"))
                    .findFirst()
                    .orElse("relay with RELAY_MODE=cdc did not start")
                    .strip();
            return Optional.empty();
        }
        for (Service s : r.cluster.services()) {
            if (s == relay) {
                continue;
            }
            boolean wasRunning = s.alive();
            r.cluster.stop(s);
            if (s.name.startsWith("relay-") || !wasRunning) {
                continue;
            }
            Service cdc = r.cluster.define(s.name, s.roles, Map.of("RELAY_MODE", "cdc"));
            r.cluster.launch(cdc);
            if (!r.cluster.awaitReady(cdc, Duration.ofSeconds(90))) {
                throw new IllegalStateException(
                        s.name + " with RELAY_MODE=cdc did not start: " + r.cluster.logTail(cdc, 5));
            }
        }
        r.fault("polling relays stopped; api, consumers and CDC relay running with RELAY_MODE=cdc");
        return Optional.of(relay);
    }
}
