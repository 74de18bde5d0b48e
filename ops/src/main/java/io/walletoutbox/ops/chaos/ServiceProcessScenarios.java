package io.walletoutbox.ops.chaos;

import io.walletoutbox.ops.chaos.Cluster.Service;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scenarios that kill or freeze the service's own processes under load: the api killed -9 with requests in
 * flight, a relay killed between Kafka's ack and its delete, a relay frozen while it holds a lease, a consumer killed
 * between the biller's answer and its commit, and consumers joining and leaving the group. The windows between a
 * service's steps are widened by a trigger that sleeps inside its statements ({@link #killWhereStatementsPause}).
 */
final class ServiceProcessScenarios {
    private ServiceProcessScenarios() {}

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

    static Optional<String> apiKill(ScenarioRun r) throws Exception {
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

    static Optional<String> relayKillAfterAck(ScenarioRun r) throws Exception {
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

    static Optional<String> relaySigstop(ScenarioRun r) throws Exception {
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

    static Optional<String> consumerKillAfterCharge(ScenarioRun r) throws Exception {
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

    static Optional<String> consumerChurn(ScenarioRun r) throws Exception {
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
}
