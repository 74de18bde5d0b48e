package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.EmbeddedKafkaCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-broker cluster (KRaft) and the service (all roles in one process) on it; one cluster for both tests, the
 * service's first, each leaving all three nodes running and in sync.
 *
 * <p>The service: payments keep flowing while one broker is killed -9 and after it is started again, and nothing is
 * restarted by hand. Every committed payment's request event is on the topic, each payment is paid once and reaches
 * its outcome, and each wallet's events keep their order.
 *
 * <p>The cluster itself: topics replicated three times with {@code min.insync.replicas} 2 by default; no topic comes
 * into being by a produce; an {@code acks=all} write is not acknowledged with two nodes down, is again once one of
 * them is back, and is with one node frozen (SIGSTOP). (With one node killed it is: the service's test shows that.)
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
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

    @Test
    @Order(1)
    void paymentsFlowThroughABrokerKilledAndRestartedWithNothingLostDuplicatedOrReordered() throws Exception {
        assertTopicReplicatedThreeTimesWithMinInsyncTwo();
        List<String> wallets = new ArrayList<>();
        for (int i = 0; i < WALLETS; i++) {
            wallets.add(service.walletWith(1_000_000));
        }
        PaymentLoad load = new PaymentLoad(service, wallets);
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

    @Test
    @Order(2)
    void anAcksAllWriteIsAcknowledgedOnlyWithTwoNodesRunningAndThroughAFrozenOne() throws Exception {
        assertEquals(List.of(1, 2, 3), cluster.nodeIds());
        assertEquals(3, cluster.bootstrapServers().split(",").length);
        String topic = "cluster-it";
        try (Admin admin = admin()) {
            // No replication factor given: the brokers' default applies.
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            assertEquals(3, partitions(admin, topic).getFirst().replicas().size(), "replication factor 3 by default");
            Config config = topicConfig(admin, topic);
            assertEquals(
                    "2", config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value());
            assertEquals(
                    "false",
                    config.get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG)
                            .value());
        }
        // The patient producer outlasts a killed leader's fencing (broker.session.timeout.ms, 9 s); the impatient one
        // shows a write that is never acknowledged.
        try (var producer = producer(60_000);
                var impatient = producer(8_000)) {
            // No topic comes into being by a produce to it.
            var absent = assertThrows(
                    ExecutionException.class,
                    () -> impatient
                            .send(new ProducerRecord<>("no-such-topic", "k", "v"))
                            .get(30, TimeUnit.SECONDS));
            assertInstanceOf(org.apache.kafka.common.errors.TimeoutException.class, absent.getCause());

            producer.send(new ProducerRecord<>(topic, "k", "all up")).get(30, TimeUnit.SECONDS);

            // Two down at once (a write with one down is the service's test): the leader and another node.
            int leader = leaderOf(topic);
            int second = cluster.nodeIds().stream()
                    .filter(n -> n != leader)
                    .findFirst()
                    .orElseThrow();
            cluster.kill(leader);
            cluster.kill(second);
            var refused = assertThrows(
                    ExecutionException.class,
                    () -> impatient
                            .send(new ProducerRecord<>(topic, "k", "two down"))
                            .get(60, TimeUnit.SECONDS));
            assertTrue(
                    refused.getCause() instanceof org.apache.kafka.common.errors.RetriableException,
                    "with one node left no write is acknowledged: " + refused.getCause());

            cluster.restart(second);
            // The send that failed is not retried by the producer: a new one goes through once two nodes run.
            ServiceHarness.await(Duration.ofSeconds(90), "a write acknowledged with two nodes back", () -> {
                try {
                    producer.send(new ProducerRecord<>(topic, "k", "one back")).get(30, TimeUnit.SECONDS);
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            cluster.restart(leader);
        }
        // A frozen node (SIGSTOP) is one down too: writes are still acknowledged by the other two.
        int frozen = leaderOf(topic);
        try (var producer = producer(60_000)) {
            // The producer learns the cluster first: a metadata request to the frozen node would be answered by no
            // one and outlast the producer's 5 s max.block.ms before the send even starts.
            producer.partitionsFor(topic);
            cluster.pause(frozen);
            producer.send(new ProducerRecord<>(topic, "k", "one frozen")).get(90, TimeUnit.SECONDS);
        } finally {
            cluster.resume(frozen);
        }
        cluster.awaitInSync(Duration.ofSeconds(90));
        // Brokers learn the cluster's metadata one after another: the one answering may not have heard yet that
        // the resumed node is back, so this waits (bounded) for its view too.
        ServiceHarness.await(Duration.ofSeconds(60), "all three back in sync", () -> {
            try (Admin admin = admin()) {
                return partitions(admin, topic).getFirst().isr().size() == 3;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static void assertTopicReplicatedThreeTimesWithMinInsyncTwo() throws Exception {
        try (Admin admin = admin()) {
            for (TopicPartitionInfo p : partitions(admin, TOPIC)) {
                assertEquals(3, p.replicas().size(), "replicas of " + p);
            }
            assertEquals(
                    "2",
                    topicConfig(admin, TOPIC)
                            .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG)
                            .value());
        }
    }

    /** Waits until at least {@code count} payments were accepted and all accepted so far reached their outcome. */
    private static void awaitCompleted(PaymentLoad load, int count, String what) {
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
            for (TopicPartitionInfo p : partitions(admin, TOPIC)) {
                led.merge(p.leader().id(), 1, Integer::sum);
            }
            return Collections.max(led.entrySet(), Map.Entry.comparingByValue()).getKey();
        }
    }

    private static List<TopicPartitionInfo> partitions(Admin admin, String topic) throws Exception {
        return admin.describeTopics(Set.of(topic))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(topic)
                .partitions();
    }

    private static Config topicConfig(Admin admin, String topic) throws Exception {
        var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(Set.of(resource))
                .all()
                .get(30, TimeUnit.SECONDS)
                .get(resource);
    }

    private static int leaderOf(String topic) throws Exception {
        try (Admin admin = admin()) {
            return partitions(admin, topic).getFirst().leader().id();
        }
    }

    /** An idempotent acks=all producer whose sends give up after {@code deliveryMs}; each request after 5 s. */
    private static KafkaProducer<String, String> producer(int deliveryMs) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        cluster.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        // A frozen leader answers nothing: the request must time out before the delivery does,
                        // so the producer asks for the new leader and sends there.
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                        Math.min(5_000, deliveryMs - 10),
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        deliveryMs,
                        ProducerConfig.LINGER_MS_CONFIG,
                        0,
                        ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        5_000),
                new StringSerializer(),
                new StringSerializer());
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
