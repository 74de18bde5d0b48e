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
 * The scenarios of the CDC relay, after the deployment is switched to it the way an operator does ({@link
 * #switchToCdc}, also the start of {@link FailoverScenarios#cdc} and {@code cdc-forged-logical-messages}): the CDC
 * relay killed -9 and restarted, and the broker frozen under it.
 */
final class CdcScenarios {
    private CdcScenarios() {}

    static Optional<String> relayKill(ScenarioRun r) throws Exception {
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

    static Optional<String> brokerSigstop(ScenarioRun r) throws Exception {
        switchToCdc(r);
        return InfrastructureScenarios.brokerSigstop(r);
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
