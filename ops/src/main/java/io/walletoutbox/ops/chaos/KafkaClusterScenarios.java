package io.walletoutbox.ops.chaos;

import io.walletoutbox.embedded.EmbeddedKafkaCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * The scenarios on a three-node Kafka cluster ({@link EmbeddedKafkaCluster}: replication factor 3, {@code
 * min.insync.replicas} 2, no unclean leader election), selected by each scenario's setup ({@link #onCluster}). A
 * node is named by its Kafka node id; the one hit first is the leader of most partitions of the scenario's events
 * topic. Every body brings all three nodes back and waits until every replica is in sync again before it returns,
 * so the suite's checks (I1–I7) and the next scenario see a whole cluster.
 *
 * <p>Timings: a node killed or frozen is fenced by the controller after {@code broker.session.timeout.ms} (9 s), and
 * only then do its partitions get new leaders; the relay's producer times a request out after 10 s and gives a send
 * up after 15 s (the next publishing cycle sends it again).
 */
final class KafkaClusterScenarios {
    private KafkaClusterScenarios() {}

    /** The scenarios, for {@link Scenarios#all()}. */
    static List<Scenarios.Scenario> all() {
        return List.of(
                new Scenarios.Scenario(
                        "kafka-cluster-broker-kill9",
                        List.of(),
                        KafkaClusterScenarios::onCluster,
                        KafkaClusterScenarios::kill),
                new Scenarios.Scenario(
                        "kafka-cluster-broker-sigstop",
                        List.of(),
                        KafkaClusterScenarios::onCluster,
                        KafkaClusterScenarios::pause),
                new Scenarios.Scenario(
                        "kafka-cluster-two-brokers-down",
                        List.of(),
                        KafkaClusterScenarios::onCluster,
                        KafkaClusterScenarios::twoDown));
    }

    /** Setup: this scenario's services, topic reads and producers use the three-node cluster. */
    static void onCluster(ScenarioRun r) {
        r.cluster.useKafkaCluster();
    }

    private static boolean longMode(ScenarioRun r) {
        return r.load.duration().toMillis() >= 30_000;
    }

    /**
     * kill -9 the node leading most partitions, keep it dead past its fencing (14–17 s; long mode 30 s), start it
     * again. Fails (I5) when no write was acknowledged while it was dead: two of three must carry the topic.
     */
    private static Optional<String> kill(ScenarioRun r) throws Exception {
        EmbeddedKafkaCluster kafka = r.cluster.useKafkaCluster();
        Acked acked = new Acked();
        r.outage(
                0.15,
                0.3,
                () -> {
                    acked.victim = busiestLeader(r);
                    acked.before = acknowledgedRecords(r, Duration.ofSeconds(10));
                    kafka.kill(acked.victim);
                    return "kill -9 kafka node " + acked.victim;
                },
                () -> longMode(r) ? 30_000 : 14_000 + r.rnd.nextInt(3000),
                held -> {
                    acked.after = acknowledgedRecords(r, Duration.ofSeconds(10));
                    acked.held = held;
                    kafka.restart(acked.victim);
                    return "kafka node " + acked.victim + " restarted after " + held + "ms, " + acked.during()
                            + " records acked meanwhile";
                });
        awaitWhole(r, kafka);
        r.notes.add("acked-while-down=" + acked.during());
        r.checks.add((c, checker) -> {
            if (acked.before < 0 || acked.after < 0) {
                checker.fail("I5", "the topic's high watermarks could not be read with one of three brokers dead");
            } else if (acked.after <= acked.before) {
                checker.fail("I5", "no write acknowledged in " + acked.held + "ms with one of three brokers dead");
            }
        });
        return Optional.empty();
    }

    /**
     * SIGSTOP the node leading most partitions past the producer's request timeout (11–13 s, plus at most 1 s to
     * read the high watermarks; long mode 30 s), then
     * SIGCONT. Its sockets stay open and silent: the relay's requests to it time out, it is fenced, its partitions
     * move; when it runs again it finds itself a follower and catches up.
     */
    private static Optional<String> pause(ScenarioRun r) throws Exception {
        EmbeddedKafkaCluster kafka = r.cluster.useKafkaCluster();
        Acked acked = new Acked();
        r.outage(
                0.1,
                0.25,
                () -> {
                    acked.victim = busiestLeader(r);
                    acked.before = acknowledgedRecords(r, Duration.ofSeconds(10));
                    kafka.pause(acked.victim);
                    return "SIGSTOP kafka node " + acked.victim;
                },
                () -> longMode(r) ? 30_000 : 11_000 + r.rnd.nextInt(2000),
                held -> {
                    // A short look only (a partition may still be led by the frozen node): the resume must not
                    // wait for it.
                    acked.after = acknowledgedRecords(r, Duration.ofSeconds(1));
                    kafka.resume(acked.victim);
                    return "SIGCONT kafka node " + acked.victim + " after " + held + "ms, " + acked.during()
                            + " records acked meanwhile";
                });
        awaitWhole(r, kafka);
        r.notes.add("acked-while-paused=" + acked.during());
        return Optional.empty();
    }

    /**
     * kill -9 two nodes at once (seeded choice): no partition has two in-sync replicas and the controller quorum has
     * lost its majority, so Kafka acknowledges nothing; payments are still accepted and their events wait in the
     * outbox. After 8–10 s (long mode 30 s) one node returns: the outbox must drain with two nodes; then the other.
     * Fails (I5) when an event present 3 s into the outage left the outbox before a node returned (Kafka
     * acknowledged it), when nothing was buffered (nothing tested), or when the outbox did not drain within 90 s
     * with two nodes.
     */
    private static Optional<String> twoDown(ScenarioRun r) throws Exception {
        EmbeddedKafkaCluster kafka = r.cluster.useKafkaCluster();
        r.startLoad();
        r.sleepUntil(r.between(0.15, 0.3));
        List<Integer> nodes = new ArrayList<>(kafka.nodeIds());
        Collections.shuffle(nodes, r.rnd);
        int first = nodes.get(0);
        int second = nodes.get(1);
        kafka.kill(first);
        kafka.kill(second);
        r.fault("kill -9 kafka nodes " + first + " and " + second);
        // Answers to requests that were replicated before the kill may still arrive: let them.
        Cluster.sleep(3000);
        Set<Long> early = outboxIds(r);
        long outage = longMode(r) ? 30_000 : 8_000 + r.rnd.nextInt(2000);
        Cluster.sleep(outage);
        Set<Long> buffered = outboxIds(r);
        long acknowledged = early.stream().filter(id -> !buffered.contains(id)).count();
        r.fault("outbox holds " + buffered.size() + " events after " + (outage + 3000) + "ms; " + acknowledged
                + " of the " + early.size() + " held at 3s left it");
        // Timed from the start of the restart: the relays publish as soon as the node is back, often before
        // restart() has seen it registered.
        long t0 = System.nanoTime();
        kafka.restart(first);
        r.fault("kafka node " + first + " restarted");
        boolean drained = awaitGone(r, buffered, Duration.ofSeconds(90));
        double drainSecs = (System.nanoTime() - t0) / 1e9;
        r.fault(
                drained
                        ? String.format(
                                "the %d buffered events published with two nodes %.1fs after the restart began",
                                buffered.size(), drainSecs)
                        : "buffered events NOT published with two nodes in 90s");
        kafka.restart(second);
        r.fault("kafka node " + second + " restarted");
        r.awaitLoad();
        awaitWhole(r, kafka);
        r.notes.add(String.format(
                "buffered=%d acked-while-two-down=%d drained-with-two-within=%.1fs",
                buffered.size(), acknowledged, drainSecs));
        r.checks.add((c, checker) -> {
            if (acknowledged > 0) {
                checker.fail(
                        "I5",
                        acknowledged
                                + " events left the outbox (acknowledged by Kafka) with two of three brokers down");
            }
            if (buffered.isEmpty()) {
                checker.fail("I5", "no event buffered in the outbox during the outage: nothing was tested");
            }
            if (!drained) {
                checker.fail("I5", "the buffered events were not published within 90 s of one broker's return");
            }
        });
        return Optional.empty();
    }

    /** The node hit and the records the topic had acknowledged just before the fault and just before its end. */
    private static final class Acked {
        int victim;
        long before;
        long after;
        long held;

        /** Records acknowledged while the fault lasted, or "unknown" when either count could not be read. */
        String during() {
            return before < 0 || after < 0 ? "unknown" : Long.toString(after - before);
        }
    }

    /** Waits until every replica is in sync again (the next scenario starts on a whole cluster). */
    private static void awaitWhole(ScenarioRun r, EmbeddedKafkaCluster kafka) {
        kafka.awaitInSync(Duration.ofSeconds(120));
        r.fault("all replicas in sync");
    }

    /** The node leading most partitions of the scenario's events topic (the lowest id among equals). */
    private static int busiestLeader(ScenarioRun r) throws Exception {
        try (Admin admin = admin(r)) {
            Map<Integer, Integer> led = new HashMap<>();
            for (TopicPartitionInfo p : partitions(admin, r.cluster.topic())) {
                if (p.leader() != null) {
                    led.merge(p.leader().id(), 1, Integer::sum);
                }
            }
            return led.entrySet().stream()
                    .sorted(Map.Entry.<Integer, Integer>comparingByValue()
                            .reversed()
                            .thenComparing(Map.Entry.comparingByKey()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no partition of the events topic has a leader"))
                    .getKey();
        }
    }

    /**
     * The records Kafka acknowledged on the events topic so far: the sum of its partitions' high watermarks (with
     * {@code min.insync.replicas} 2 and {@code acks=all}, a record is below the high watermark once acknowledged);
     * -1 when they cannot be read within {@code timeout} (a partition without a leader, or led by a frozen node).
     */
    private static long acknowledgedRecords(ScenarioRun r, Duration timeout) {
        try (Admin admin = admin(r, timeout)) {
            String topic = r.cluster.topic();
            Map<TopicPartition, OffsetSpec> latest = partitions(admin, topic).stream()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).values().stream()
                    .mapToLong(o -> o.offset())
                    .sum();
        } catch (Exception e) {
            return -1;
        }
    }

    private static List<TopicPartitionInfo> partitions(Admin admin, String topic) throws Exception {
        return admin.describeTopics(Set.of(topic))
                .allTopicNames()
                .get(10, TimeUnit.SECONDS)
                .get(topic)
                .partitions();
    }

    private static Admin admin(ScenarioRun r) {
        return admin(r, Duration.ofSeconds(10));
    }

    private static Admin admin(ScenarioRun r, Duration timeout) {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                r.cluster.bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                (int) Math.min(3000, timeout.toMillis()),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) timeout.toMillis()));
    }

    private static Set<Long> outboxIds(ScenarioRun r) throws Exception {
        Set<Long> ids = new HashSet<>();
        try (Connection c = r.db();
                var s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM outbox_event")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** Waits until none of {@code ids} is in the outbox any more; false when some still are after {@code timeout}. */
    private static boolean awaitGone(ScenarioRun r, Set<Long> ids, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Set<Long> left = outboxIds(r);
            left.retainAll(ids);
            if (left.isEmpty()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Cluster.sleep(200);
        }
    }
}
