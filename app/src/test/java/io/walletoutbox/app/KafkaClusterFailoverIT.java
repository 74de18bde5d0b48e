package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.EmbeddedKafkaCluster;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service (all roles in one process) on a three-broker cluster: payments keep flowing while one broker is
 * killed -9 and after it is started again, and nothing is restarted by hand. Every committed payment's request event
 * is on the topic, each payment is paid once and reaches its outcome, and each wallet's events keep their order.
 */
class KafkaClusterFailoverIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "kcluster-failover.events-" + UUID.randomUUID();
    private static final int WALLETS = 4;

    @TempDir
    static Path dir;

    private static EmbeddedKafkaCluster cluster;
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        cluster = EmbeddedKafkaCluster.start(dir.resolve("kafka"));
        Map<String, String> env = new HashMap<>(cluster.serviceEnvironment());
        env.put("EVENTS_TOPIC", TOPIC);
        // TOPIC_REPLICATION_FACTOR and TOPIC_MIN_INSYNC_REPLICAS unset: the service picks 3 and 2 on this cluster.
        service = new ServiceHarness("kcluster_failover", env);
    }

    @AfterAll
    static void stop() {
        ServiceHarness.closeAll(service, cluster);
    }

    /** Payments sent one after the other per wallet, round robin over the wallets, until stopped. */
    private static final class Load implements Runnable {
        final List<String> wallets;
        /** Per wallet, its payments in the order the API accepted them (its commit order). */
        final Map<String, List<String>> accepted = new LinkedHashMap<>();

        final List<String> all = new CopyOnWriteArrayList<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Load(List<String> wallets) {
            this.wallets = wallets;
            wallets.forEach(w -> accepted.put(w, Collections.synchronizedList(new ArrayList<>())));
        }

        @Override
        public void run() {
            try {
                for (int i = 0; !stop.get(); i++) {
                    String wallet = wallets.get(i % wallets.size());
                    String key = "kc-" + wallet + "-" + i;
                    // An error answer (none expected: the API does not touch Kafka) is retried with the same key.
                    HttpResponse<String> answer;
                    int tries = 0;
                    do {
                        answer = service.post(
                                "/wallets/" + wallet + "/bill-payments",
                                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-KC-" + i + "\",\"amount\":" + (1 + i % 50)
                                        + "}",
                                key);
                    } while (answer.statusCode() >= 500 && ++tries < 20);
                    assertEquals(202, answer.statusCode(), answer.body());
                    String id = JSON.readTree(answer.body()).get("id").asText();
                    accepted.get(wallet).add(id);
                    all.add(id);
                    Thread.sleep(50); // pacing: about 20 payments a second
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }
    }

    @Test
    void paymentsFlowThroughABrokerKilledAndRestartedWithNothingLostDuplicatedOrReordered() throws Exception {
        assertTopicReplicatedThreeTimesWithMinInsyncTwo();
        List<String> wallets = new ArrayList<>();
        for (int i = 0; i < WALLETS; i++) {
            wallets.add(service.walletWith(1_000_000));
        }
        Load load = new Load(wallets);
        Thread loader = Thread.ofPlatform().name("kcluster-load").start(load);
        try {
            awaitCompleted(load, 20, "payments before the kill");

            // The broker leading the most partitions of the events topic dies without a word.
            int victim = busiestLeader();
            cluster.kill(victim);
            int before = load.all.size();
            awaitCompleted(load, before + 20, "payments made with broker " + victim + " dead");
            assertFalse(cluster.isRunning(victim));

            cluster.restart(victim);
            cluster.awaitInSync(Duration.ofSeconds(120));
            awaitCompleted(load, load.all.size() + 20, "payments made after broker " + victim + " returned");
        } finally {
            load.stop.set(true);
            loader.join(Duration.ofSeconds(60));
        }
        if (load.failure.get() != null) {
            throw new AssertionError("the load failed", load.failure.get());
        }
        List<String> payments = List.copyOf(load.all);
        ServiceHarness.await(
                Duration.ofSeconds(120),
                "every payment to reach its outcome",
                () -> service.count("SELECT count(*) FROM bill_payment WHERE status = 'PENDING'") == 0);
        ServiceHarness.await(
                Duration.ofSeconds(60),
                "the outbox to drain",
                () -> service.count("SELECT count(*) FROM outbox_event") == 0);

        Map<String, List<String>> requestedPerWallet = new HashMap<>();
        Map<String, Integer> requestedCopies = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readTopic()) {
            if ("BillPaymentRequested".equals(header(r, "ce_type"))) {
                String payment = JSON.readTree(r.value()).get("paymentId").asText();
                if (requestedCopies.merge(payment, 1, Integer::sum) == 1) {
                    requestedPerWallet
                            .computeIfAbsent(r.key(), k -> new ArrayList<>())
                            .add(payment);
                }
            }
        }
        for (String payment : payments) {
            assertTrue(requestedCopies.containsKey(payment), "payment " + payment + " is on the topic");
        }
        for (String wallet : wallets) {
            assertEquals(
                    load.accepted.get(wallet),
                    requestedPerWallet.getOrDefault(wallet, List.of()),
                    "wallet " + wallet + "'s requests on the topic in commit order");
        }

        // Processed once: one charge and one definitive answer per payment (a redelivered event stops at the inbox),
        // and one outcome per payment in the ledger.
        Map<String, Integer> charges = new HashMap<>();
        for (JsonNode c : JSON.readTree(service.getAbsolute(service.simulatorUrl + "/v1/charges"))) {
            charges.merge(c.get("idempotencyKey").asText(), 1, Integer::sum);
        }
        Map<String, Integer> answers = new HashMap<>();
        for (JsonNode a : JSON.readTree(service.getAbsolute(service.simulatorUrl + "/v1/answers"))) {
            answers.put(a.get("idempotencyKey").asText(), a.get("answered").asInt());
        }
        for (String payment : payments) {
            assertEquals(1, charges.getOrDefault(payment, 0), "payment " + payment + " charged once");
            assertEquals(1, answers.getOrDefault(payment, 0), "payment " + payment + " answered once");
        }
        assertEquals(
                payments.size(),
                service.count("SELECT count(*) FROM bill_payment WHERE status = 'SUCCEEDED'"),
                "every payment succeeded");
        assertEquals(
                payments.size(),
                service.count("SELECT count(*) FROM transfer WHERE kind = 'SETTLEMENT'"),
                "one settlement per payment");
        assertEquals(
                payments.size(),
                service.count("SELECT count(DISTINCT event_id) FROM inbox"),
                "every request event processed, once each (the inbox is keyed by event)");
    }

    private static void assertTopicReplicatedThreeTimesWithMinInsyncTwo() throws Exception {
        try (Admin admin = admin()) {
            for (TopicPartitionInfo p : partitions(admin)) {
                assertEquals(3, p.replicas().size(), "replicas of " + p);
            }
            var resource = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
            var config = admin.describeConfigs(Set.of(resource))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .get(resource);
            assertEquals(
                    "2", config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value());
        }
    }

    /** Waits until at least {@code count} payments were accepted and all accepted so far reached their outcome. */
    private static void awaitCompleted(Load load, int count, String what) {
        ServiceHarness.await(Duration.ofSeconds(120), count + " " + what + " to complete", () -> {
            if (load.failure.get() != null) {
                throw new AssertionError("the load failed", load.failure.get());
            }
            List<String> snapshot = List.copyOf(load.all);
            if (snapshot.size() < count) {
                return false;
            }
            String last = snapshot.get(count - 1);
            return !"PENDING".equals(service.status(last))
                    && service.count("SELECT count(*) FROM bill_payment WHERE status = 'PENDING' AND created_at <="
                                    + " (SELECT created_at FROM bill_payment WHERE id = '" + last + "')")
                            == 0;
        });
    }

    /** The node that leads the most partitions of the events topic. */
    private static int busiestLeader() throws Exception {
        try (Admin admin = admin()) {
            Map<Integer, Integer> led = new HashMap<>();
            for (TopicPartitionInfo p : partitions(admin)) {
                led.merge(p.leader().id(), 1, Integer::sum);
            }
            return Collections.max(led.entrySet(), Map.Entry.comparingByValue()).getKey();
        }
    }

    private static List<TopicPartitionInfo> partitions(Admin admin) throws Exception {
        return admin.describeTopics(Set.of(TOPIC))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(TOPIC)
                .partitions();
    }

    private static Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30_000));
    }

    /** Every record of the events topic, each partition in offset order. */
    private static List<ConsumerRecord<String, byte[]>> readTopic() {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        cluster.bootstrapServers(),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(TOPIC, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(TOPIC, i.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
            Set<TopicPartition> behind = new LinkedHashSet<>(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!behind.isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "read the topic to its end; behind: " + behind);
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
                behind.removeIf(tp -> consumer.position(tp) >= end.get(tp));
            }
        }
        return records;
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
