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
 * The scenarios. Each declares its service processes, the settings they get, and a body that starts the load and
 * injects its faults on a schedule drawn from the run's seeded random; the suite then restores everything, waits for
 * quiescence and checks I1–I7 (and the scenario's own checks). A body may return a reason when the scenario cannot
 * run in this build (it is then reported SKIPPED, not passed); none does today: a CDC relay that does not become
 * ready fails its scenario.
 */
final class Scenarios {
    private Scenarios() {}

    /**
     * A scenario: its name, extra services beyond the standard set, its setup (settings of every service, billers,
     * before any service starts) and its body.
     */
    record Scenario(String name, List<String> extraConsumers, Setup setup, Body body) {
        Scenario(String name, List<String> extraConsumers, Body body) {
            this(name, extraConsumers, r -> {}, body);
        }
    }

    @FunctionalInterface
    interface Setup {
        void run(ScenarioRun r) throws Exception;
    }

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
        List<Scenario> all = new ArrayList<>(singleBroker());
        all.addAll(KafkaClusterScenarios.all());
        all.addAll(MoneyPathScenarios.all());
        return List.copyOf(all);
    }

    private static List<Scenario> singleBroker() {
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
                new Scenario("cdc-broker-sigstop", List.of(), Scenarios::cdcBrokerSigstop),
                new Scenario(
                        "biller-outage-past-horizon",
                        List.of(),
                        BillerScenarios::outagePastHorizonSetup,
                        BillerScenarios::outagePastHorizon),
                new Scenario("foreign-and-malformed-records", List.of(), BillerScenarios::foreignAndMalformed),
                new Scenario(
                        "biller-unauthorized-for-a-while",
                        List.of(),
                        BillerScenarios::unauthorizedSetup,
                        BillerScenarios::unauthorized),
                new Scenario(
                        "two-billers-one-down",
                        List.of(),
                        BillerScenarios::twoBillersSetup,
                        BillerScenarios::twoBillersOneDown),
                new Scenario("postgres-failover", List.of(), FailoverScenarios::setup, FailoverScenarios::polling),
                new Scenario("cdc-postgres-failover", List.of(), FailoverScenarios::setup, FailoverScenarios::cdc));
    }

    private static Optional<String> apiKill(ScenarioRun r) throws Exception {
        Service api = r.service("api");
        r.outage(
                0.25,
                0.6,
                () -> {
                    // Kill while requests are being served (bounded wait for one in flight).
                    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                    while (r.driver.inFlight.get() == 0 && System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    int inFlight = r.driver.inFlight.get();
                    r.cluster.kill9(api);
                    return "kill -9 api (" + inFlight + " requests in flight)";
                },
                () -> 500 + r.rnd.nextInt(2000),
                held -> {
                    r.cluster.launch(api);
                    r.cluster.awaitReady(api, Duration.ofSeconds(90));
                    return "api restarted";
                });
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
        Service[] relay = new Service[1];
        r.outage(
                0.2,
                0.5,
                () -> {
                    relay[0] = r.service(leaseHolder(r));
                    Cluster.signal(relay[0].pid(), "STOP");
                    return "SIGSTOP " + relay[0].name;
                },
                () -> (long) (r.load.duration().toMillis() * r.between(0.3, 0.5)),
                held -> {
                    Cluster.signal(relay[0].pid(), "CONT");
                    return "SIGCONT " + relay[0].name + " after " + held + "ms";
                });
        return Optional.empty();
    }

    /**
     * The relay holding a lease right now (an open publishing transaction holds its shard's oldest events); a seeded
     * choice when none is seen within 20 s.
     */
    private static String leaseHolder(ScenarioRun r) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = r.db();
                    var s = c.createStatement();
                    ResultSet rs = s.executeQuery("""
                            SELECT application_name FROM pg_stat_activity
                            WHERE application_name IN ('relay-a', 'relay-b') AND xact_start IS NOT NULL
                              AND EXISTS (SELECT 1 FROM outbox_event)
                            ORDER BY xact_start LIMIT 1""")) {
                if (rs.next()) {
                    return rs.getString(1);
                }
            }
            Cluster.sleep(5);
        }
        return r.rnd.nextBoolean() ? "relay-a" : "relay-b";
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
        long[] pid = new long[1];
        r.outage(
                0.1,
                0.3,
                () -> {
                    pid[0] = r.cluster.broker().pid();
                    Cluster.signal(pid[0], "STOP");
                    return "SIGSTOP broker";
                },
                () -> r.load.duration().toMillis() >= 30_000 ? 30_000 : 8_000 + r.rnd.nextInt(4000),
                held -> {
                    Cluster.signal(pid[0], "CONT");
                    return "SIGCONT broker after " + held + "ms";
                });
        return Optional.empty();
    }

    private static Optional<String> brokerKill(ScenarioRun r) throws Exception {
        r.outage(
                0.2,
                0.5,
                () -> {
                    r.cluster.killBroker();
                    return "kill -9 broker";
                },
                () -> 1000 + r.rnd.nextInt(2000),
                held -> {
                    r.cluster.restartBroker();
                    return "broker restarted";
                });
        return Optional.empty();
    }

    private static Optional<String> postgresRestart(ScenarioRun r) throws Exception {
        r.outage(
                0.2,
                0.5,
                () -> {
                    r.cluster.postgresImmediateStop();
                    return "PostgreSQL immediate shutdown (SIGQUIT postmaster)";
                },
                () -> 500 + r.rnd.nextInt(1500),
                held -> {
                    r.cluster.restartPostgres();
                    return "PostgreSQL restarted (crash recovery)";
                });
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
            extra.add(r.define(n, "consumer", Map.of()));
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
        try (var producer = producer(r)) {
            UUID wallet = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
            inject(
                    r,
                    producer,
                    "unknown event type",
                    wallet.toString(),
                    "BillPaymentExploded",
                    true,
                    "{\"paymentId\":\"" + UUID.randomUUID() + "\"}",
                    "unknown-event-type");
            wallet = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
            inject(
                    r,
                    producer,
                    "value not JSON",
                    wallet.toString(),
                    "BillPaymentRequested",
                    true,
                    "{this is not json",
                    "unparseable");
            wallet = r.wallets.get(r.rnd.nextInt(r.wallets.size()));
            inject(
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

    /** A producer of raw records onto the scenario's topic (acks=all). */
    static KafkaProducer<String, byte[]> producer(ScenarioRun r) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, r.cluster.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Writes one record onto the events topic (key {@code key}, header {@code ce_type} unless null, a fresh UUID
     * {@code ce_id} when {@code withId}, value {@code value} or none when null) and remembers where it landed and
     * the {@code dlq_reason} its dead letter must carry ({@code null}: the consumer must pass over it).
     */
    static void inject(
            ScenarioRun r,
            KafkaProducer<String, byte[]> producer,
            String what,
            String key,
            String ceType,
            boolean withId,
            String value,
            String deadLetterReason)
            throws Exception {
        injectWithId(
                r, producer, what, key, ceType, withId ? UUID.randomUUID().toString() : null, value, deadLetterReason);
    }

    /** {@link #inject} with the given {@code ce_id} ({@code null}: none). */
    static void injectWithId(
            ScenarioRun r,
            KafkaProducer<String, byte[]> producer,
            String what,
            String key,
            String ceType,
            String ceId,
            String value,
            String deadLetterReason)
            throws Exception {
        var record = new ProducerRecord<String, byte[]>(
                r.cluster.topic(), key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        if (ceId != null) {
            record.headers().add("ce_id", ceId.getBytes(StandardCharsets.UTF_8));
        }
        if (ceType != null) {
            record.headers().add("ce_type", ceType.getBytes(StandardCharsets.UTF_8));
        }
        var meta = producer.send(record).get();
        r.injected.add(new Checker.Injected(meta.partition(), meta.offset(), ceId, deadLetterReason, what));
    }

    private static Optional<String> cdcRelayKill(ScenarioRun r) throws Exception {
        Service relay = switchToCdc(r);
        r.outage(
                0.2,
                0.5,
                () -> {
                    r.cluster.kill9(relay);
                    return "kill -9 relay-cdc";
                },
                () -> 1000 + r.rnd.nextInt(2000),
                held -> {
                    r.cluster.launch(relay);
                    return "relay-cdc restarted";
                });
        return Optional.empty();
    }

    private static Optional<String> cdcBrokerSigstop(ScenarioRun r) throws Exception {
        switchToCdc(r);
        return brokerSigstop(r);
    }

    /**
     * The CDC relay replaces both polling relays, the way an operator switches a deployment (docs/operations.md,
     * "Switching modes"): the api (the writer of requests) stops, the polling relays publish what is left in
     * {@code outbox_event}, the consumers (writers of outcomes) and the polling relays stop, the new mode is recorded
     * in {@code outbox_mode} (the same SQL as the runbook's), a CDC relay starts, then the api and the consumers start
     * again with RELAY_MODE=cdc, so they emit logical decoding messages instead of outbox rows. A CDC relay (or a
     * writer) that does not become ready fails the scenario, with its reason: every build has one, and a suite that
     * skipped it would prove nothing of it.
     */
    static Service switchToCdc(ScenarioRun r) throws Exception {
        List<Service> before = r.cluster.services();
        List<Service> writers = new ArrayList<>();
        for (Service s : before) {
            if (s.name.equals("api")) {
                writers.add(s);
                r.cluster.stop(s);
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (outboxRows(r) > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the polling relays did not empty outbox_event before the switch");
            }
            Cluster.sleep(200);
        }
        for (Service s : before) {
            if (!s.name.equals("api")) {
                if (s.alive() && !s.name.startsWith("relay-")) {
                    writers.add(s);
                }
                r.cluster.stop(s);
            }
        }
        try (Connection c = r.db()) {
            c.setAutoCommit(false);
            try (var st = c.createStatement()) {
                st.execute("LOCK TABLE outbox_event IN SHARE MODE");
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM outbox_event")) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        throw new IllegalStateException("outbox_event is not empty at the switch");
                    }
                }
                st.execute("INSERT INTO outbox_mode (mode) VALUES ('LOGICAL_MESSAGE') ON CONFLICT (singleton)"
                        + " DO UPDATE SET mode = excluded.mode, recorded_at = now()");
            }
            c.commit();
        }
        r.fault("writers and polling relays stopped, outbox empty, mode LOGICAL_MESSAGE recorded");
        Service relay = r.define("relay-cdc", "relay", Map.of("RELAY_MODE", "cdc"));
        r.cluster.launch(relay);
        if (!r.cluster.awaitReady(relay, Duration.ofSeconds(90))) {
            throw new IllegalStateException(
                    "the CDC relay (RELAY_MODE=cdc) did not become ready: " + lastFailure(r, relay));
        }
        for (Service s : writers) {
            Map<String, String> env = new java.util.LinkedHashMap<>(s.extraEnv);
            env.put("RELAY_MODE", "cdc");
            Service cdc = r.cluster.define(s.name, s.roles, env);
            r.cluster.launch(cdc);
            if (!r.cluster.awaitReady(cdc, Duration.ofSeconds(90))) {
                throw new IllegalStateException(
                        s.name + " with RELAY_MODE=cdc did not become ready: " + lastFailure(r, cdc));
            }
        }
        r.fault("polling relays stopped; api, consumers and CDC relay running with RELAY_MODE=cdc");
        return relay;
    }

    private static long outboxRows(ScenarioRun r) throws Exception {
        try (Connection c = r.db();
                var st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM outbox_event")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The service's last log line saying why it failed, else its last line; it is stopped if still running. */
    private static String lastFailure(ScenarioRun r, Service s) throws Exception {
        String tail = r.cluster.logTail(s, 20);
        r.cluster.stop(s);
        List<String> lines = tail.lines().filter(l -> !l.isBlank()).toList();
        return lines.stream()
                .filter(l -> l.contains("failed") || l.contains("refus") || l.contains("ERROR"))
                .reduce((a, b) -> b)
                .or(() -> lines.isEmpty() ? Optional.empty() : Optional.of(lines.getLast()))
                .orElse("(no log)")
                .strip();
    }
}
