package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.walletoutbox.ops.chaos.Cluster.Service;
import io.walletoutbox.ops.chaos.Scenarios.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The chaos suite: runs every scenario (or those named) with one or more seeds against the fat jar run as
 * separate processes by role, and prints one line per scenario and seed:
 *
 * <pre>scenario=api-kill9 seed=1 payments=40 intruder=41(401:17 403:12 404:12) faults=[…] I1=ok … I7=ok AUTH=ok secs=31</pre>
 *
 * <p>{@code AUTH} is the check that no request without a valid token (or with a token not allowed to do it) changed
 * anything: see {@link Intruder} and {@link IntrusionCheck#check}.
 *
 * Exits 1 on any violation or scenario error, 2 on bad arguments. Usage: {@code ChaosMain [--short|--long]
 * [--seeds N] [--seed S] [--scenario a,b] --jar app/target/wallet-outbox.jar [--work DIR]}. {@code --seed S}
 * with one scenario reproduces that run's fault schedule and payment plan.
 */
public final class ChaosMain {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChaosMain() {}

    public static void main(String[] args) throws Exception {
        boolean longMode = false;
        int seeds = 1;
        long firstSeed = 1;
        Set<String> only = new HashSet<>();
        Path jar = Path.of("app/target/wallet-outbox.jar");
        Path work = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--short" -> longMode = false;
                case "--long" -> longMode = true;
                case "--seeds" -> seeds = Integer.parseInt(args[++i]);
                case "--seed" -> firstSeed = Long.parseLong(args[++i]);
                case "--scenario" -> only.addAll(Arrays.asList(args[++i].split(",")));
                case "--jar" -> jar = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                default -> {
                    System.err.println("unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (seeds < 1 || seeds > 20) {
            System.err.println("--seeds must be 1..20");
            System.exit(2);
        }
        List<Scenario> scenarios = Scenarios.all().stream()
                .filter(s -> only.isEmpty() || only.contains(s.name()))
                .toList();
        if (scenarios.isEmpty()) {
            System.err.println("no such scenario; known: "
                    + Scenarios.all().stream().map(Scenario::name).toList());
            System.exit(2);
        }
        ScenarioRun.Load load = longMode
                ? new ScenarioRun.Load(30, 300, Duration.ofSeconds(30), 8, Duration.ofSeconds(300))
                : new ScenarioRun.Load(8, 40, Duration.ofSeconds(10), 4, Duration.ofSeconds(120));
        if (work == null) {
            work = Files.createTempDirectory("chaos");
        }
        long started = System.nanoTime();
        System.out.printf(
                "chaos: %s mode, %d scenario(s) × %d seed(s) from %d; %d wallets, %d payments over %ds each; work %s%n",
                longMode ? "long" : "short",
                scenarios.size(),
                seeds,
                firstSeed,
                load.wallets(),
                load.payments(),
                load.duration().toSeconds(),
                work);
        int failed = 0;
        int skipped = 0;
        int n = 0;
        // Short mode must end within 20 minutes (CI); long mode within 3 hours. A scenario not started in time is
        // reported NOT RUN and fails the suite.
        long budget = Duration.ofMinutes(longMode ? 180 : 20).toNanos();
        long perScenario = Duration.ofSeconds(longMode ? 150 : 60).toNanos();
        Cluster cluster = Cluster.start(work, jar);
        Thread closer = new Thread(cluster::close, "chaos-shutdown");
        Runtime.getRuntime().addShutdownHook(closer); // Ctrl-C or SIGTERM: no service process is left behind
        try {
            for (long seed = firstSeed; seed < firstSeed + seeds; seed++) {
                for (Scenario scenario : scenarios) {
                    n++;
                    if (System.nanoTime() - started + perScenario > budget) {
                        System.out.println("scenario=" + scenario.name() + " seed=" + seed
                                + " NOT RUN: the time budget of the mode is spent");
                        failed++;
                        continue;
                    }
                    String result = runOne(cluster, scenario, seed, load, n);
                    System.out.println(result);
                    System.out.flush();
                    if (result.contains("SKIPPED")) {
                        skipped++;
                    } else if (result.contains("FAIL") || result.contains("ERROR")) {
                        failed++;
                    }
                }
            }
        } finally {
            cluster.close();
            Runtime.getRuntime().removeShutdownHook(closer);
        }
        System.out.printf("chaos: %d run(s) in %.0f s%n", n, (System.nanoTime() - started) / 1e9);
        // The closing line in the plain form test runners' readers understand.
        System.out.printf("chaos: %d passed, %d failed, %d skipped%n", n - failed - skipped, failed, skipped);
        System.exit(failed > 0 ? 1 : 0);
    }

    private static String runOne(Cluster cluster, Scenario scenario, long seed, ScenarioRun.Load load, int n) {
        long t0 = System.nanoTime();
        String tag = "s" + n;
        ScenarioRun r = new ScenarioRun(cluster, scenario.name(), seed, load, tag);
        String head = "scenario=" + scenario.name() + " seed=" + seed;
        try {
            cluster.newScenario(scenario.name() + "-" + seed, "chaos_" + n, "chaos." + n + ".events");
            cluster.simClearFaults();
            scenario.setup().run(r);
            List<Service> services = new ArrayList<>();
            services.add(r.define("api", "api", Map.of()));
            services.add(r.define("relay-a", "relay", Map.of()));
            services.add(r.define("relay-b", "relay", Map.of()));
            services.add(r.define("consumer-a", "consumer", Map.of()));
            for (String c : scenario.extraConsumers()) {
                services.add(r.define(c, "consumer", Map.of()));
            }
            cluster.launchAll(services);
            double startSecs = (System.nanoTime() - t0) / 1e9;
            Optional<String> skip = scenario.body().run(r);
            if (skip.isPresent()) {
                return head + " SKIPPED: " + skip.get();
            }
            cluster.simClearFaults();
            double quiet = Checker.awaitQuiescence(r::db, load.quiescence(), r.reconciliationCap);
            Checker checker = new Checker();
            Set<UUID> expected = new HashSet<>(r.driver.acknowledged);
            expected.addAll(r.toolPayments);
            List<Checker.Event> topic = TopicReader.readAll(cluster.bootstrap(), cluster.topic());
            List<Checker.Event> deadLetters = TopicReader.readAll(cluster.bootstrap(), cluster.topic() + ".dlq");
            String intrusions = "";
            String reconciliation;
            try (Connection c = r.db()) {
                checker.check(
                        c,
                        topic,
                        deadLetters,
                        simulatorsJson(cluster, "/v1/charges"),
                        simulatorsJson(cluster, "/v1/answers"),
                        new Checker.Expectations(
                                expected, tag, r.injected, r.reconciliationCap, r.billerSimulators, r.discarded));
                if (r.intruder != null) {
                    var attempts = r.intruder.attempts();
                    intrusions = " intruder=" + attempts.size() + "("
                            + IntrusionCheck.check(checker, c, topic, attempts, new HashSet<>(r.wallets)) + ")";
                }
                for (ScenarioRun.Check check : r.checks) {
                    check.run(c, checker);
                }
                reconciliation = reconciliationSummary(c);
            }
            if (!r.injected.isEmpty()) {
                r.notes.add("injected=" + r.injected.size());
            }
            List<Checker.Event> identified =
                    topic.stream().filter(e -> e.ceId() != null).toList();
            long duplicates = identified.size()
                    - identified.stream().map(Checker.Event::ceId).distinct().count();
            StringBuilder line = new StringBuilder(head)
                    .append(" payments=")
                    .append(expected.size())
                    .append(intrusions)
                    .append(" faults=")
                    .append(r.faults)
                    .append(" topic=")
                    .append(topic.size())
                    .append("(dup ")
                    .append(duplicates)
                    .append(") dlq=")
                    .append(deadLetters.size())
                    .append(" repeats=")
                    .append(checker.repeatedAnswers())
                    .append(reconciliation);
            for (String note : r.notes) {
                line.append(' ').append(note);
            }
            if (r.reconciliationCap > 0) {
                line.append(" reconciliation-cap=")
                        .append(r.reconciliationCap)
                        .append("(")
                        .append(r.reconciliationWhy)
                        .append(")");
            }
            StringBuilder details = new StringBuilder();
            for (var e : checker.violations().entrySet()) {
                line.append(' ').append(e.getKey()).append('=');
                if (e.getValue().isEmpty()) {
                    line.append("ok");
                } else {
                    line.append("FAIL(").append(e.getValue().size()).append(')');
                    for (String v : e.getValue()) {
                        details.append("\n    ").append(e.getKey()).append(": ").append(v);
                    }
                }
            }
            if (r.driver.unanswered.get() > 0) {
                details.append("\n    note: ").append(r.driver.unanswered.get()).append(" payments never answered");
            }
            line.append(String.format(
                    " started=%.0fs quiesced=%.0fs secs=%.0f", startSecs, quiet, (System.nanoTime() - t0) / 1e9));
            return line.append(details).toString();
        } catch (Exception e) {
            StringBuilder err = new StringBuilder(head + " ERROR " + e + " faults=" + r.faults);
            for (Service s : cluster.services()) {
                if (s.process != null && !s.alive()) {
                    err.append("\n    ")
                            .append(s.name)
                            .append(" exited:\n")
                            .append(cluster.logTail(s, 8).indent(6));
                }
            }
            return err.toString();
        } finally {
            try {
                cluster.stopAll();
                cluster.dropSlots();
            } catch (Exception e) {
                System.err.println("stopping services: " + e);
            }
        }
    }

    /**
     * The JSON arrays of {@code GET path} of every simulator, concatenated into one; each element gets {@code
     * "simulator"}, the name of the simulator that answered.
     */
    private static String simulatorsJson(Cluster cluster, String path) throws Exception {
        ArrayNode all = JSON.createArrayNode();
        for (String name : cluster.simulatorNames()) {
            for (JsonNode e : JSON.readTree(cluster.simGet(name, path))) {
                all.add(((ObjectNode) e.deepCopy()).put("simulator", name));
            }
        }
        return JSON.writeValueAsString(all);
    }

    /**
     * {@code reconciliation=N(job:a operator:b resting:c; paid:… declined:… not-charged:… recharged:…)}, or empty
     * when no payment went to reconciliation.
     */
    private static String reconciliationSummary(Connection c) throws Exception {
        try (var s = c.createStatement();
                var rs = s.executeQuery("""
                        SELECT count(*),
                               count(*) FILTER (WHERE resolved_how = 'job'),
                               count(*) FILTER (WHERE resolved_how = 'operator'),
                               count(*) FILTER (WHERE resolved_at IS NULL),
                               count(*) FILTER (WHERE resolved_outcome = 'PAID'),
                               count(*) FILTER (WHERE resolved_outcome = 'DECLINED'),
                               count(*) FILTER (WHERE resolved_outcome = 'NOT_CHARGED'),
                               count(*) FILTER (WHERE recharges > 0)
                        FROM provider_reconciliation""")) {
            rs.next();
            if (rs.getLong(1) == 0) {
                return "";
            }
            return String.format(
                    " reconciliation=%d(job:%d operator:%d resting:%d; paid:%d declined:%d not-charged:%d"
                            + " recharged:%d)",
                    rs.getLong(1),
                    rs.getLong(2),
                    rs.getLong(3),
                    rs.getLong(4),
                    rs.getLong(5),
                    rs.getLong(6),
                    rs.getLong(7),
                    rs.getLong(8));
        }
    }
}
