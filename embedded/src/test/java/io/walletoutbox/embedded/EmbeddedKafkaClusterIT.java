package io.walletoutbox.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three-node cluster: topics replicated three times with {@code min.insync.replicas} 2; an {@code acks=all}
 * write is acknowledged with one node killed, not with two down, and again once one of them is back.
 */
class EmbeddedKafkaClusterIT {
    @TempDir
    static Path dir;

    static EmbeddedKafkaCluster cluster;

    @BeforeAll
    static void start() {
        cluster = EmbeddedKafkaCluster.start(dir.resolve("cluster"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30_000));
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

    @Test
    void replicatesThreeTimesAndAcknowledgesOnlyWithTwoInSyncReplicas() throws Exception {
        assertEquals(List.of(1, 2, 3), cluster.nodeIds());
        assertEquals(3, cluster.bootstrapServers().split(",").length);
        String topic = "cluster-it";
        try (Admin admin = admin()) {
            // No replication factor given: the brokers' default applies.
            admin.createTopics(List.of(new NewTopic(topic, java.util.Optional.of(1), java.util.Optional.empty())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            var partition = admin.describeTopics(Set.of(topic))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(topic)
                    .partitions()
                    .getFirst();
            assertEquals(3, partition.replicas().size(), "replication factor 3 by default");
            var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            var config = admin.describeConfigs(List.of(resource))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .get(resource);
            assertEquals(
                    "2", config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value());
            assertEquals(
                    "false",
                    config.get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG)
                            .value());
        }
        // A node killed stays its partitions' leader until the controller fences it (broker.session.timeout.ms, 9 s):
        // the patient producer outlasts that; the impatient one shows a write that is never acknowledged.
        try (var producer = producer(60_000);
                var impatient = producer(8_000)) {
            // No topic comes into being by a produce to it.
            var absent = assertThrows(
                    ExecutionException.class,
                    () -> impatient
                            .send(new ProducerRecord<>("no-such-topic", "k", "v"))
                            .get(30, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, absent.getCause());

            producer.send(new ProducerRecord<>(topic, "k", "all up")).get(30, TimeUnit.SECONDS);

            int leader = leaderOf(topic);
            cluster.kill(leader);
            assertFalse(cluster.isRunning(leader));
            producer.send(new ProducerRecord<>(topic, "k", "one down")).get(90, TimeUnit.SECONDS);

            int second = cluster.nodeIds().stream()
                    .filter(n -> n != leader)
                    .findFirst()
                    .orElseThrow();
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
            Conditions.await(Duration.ofSeconds(90), "a write acknowledged with two nodes back", () -> {
                try {
                    producer.send(new ProducerRecord<>(topic, "k", "one back")).get(30, TimeUnit.SECONDS);
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
        }
        cluster.restart(nodeDown());
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
        Conditions.await(Duration.ofSeconds(60), "all three back in sync", () -> {
            try (Admin admin = admin()) {
                var partition = admin.describeTopics(Set.of(topic))
                        .allTopicNames()
                        .get(30, TimeUnit.SECONDS)
                        .get(topic)
                        .partitions()
                        .getFirst();
                return partition.isr().size() == 3;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static int nodeDown() {
        return cluster.nodeIds().stream()
                .filter(n -> !cluster.isRunning(n))
                .findFirst()
                .orElseThrow();
    }

    private static int leaderOf(String topic) throws Exception {
        try (Admin admin = admin()) {
            return admin.describeTopics(Set.of(topic))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(topic)
                    .partitions()
                    .getFirst()
                    .leader()
                    .id();
        }
    }
}
