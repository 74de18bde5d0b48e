package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.runtime.StartupException;
import io.walletoutbox.app.internal.runtime.TopicProvisioning;
import io.walletoutbox.embedded.LoopbackPorts;
import io.walletoutbox.embedded.SharedInfrastructure;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * The service creates the events topic and its dead-letter topic itself, with the configured partitions, replication
 * factor and min.insync.replicas, and refuses (a misconfiguration: exit code 2) an existing events topic below them.
 * With {@code TOPIC_PROVISIONING=verify} it creates nothing and refuses an absent topic; {@code provision-topics}
 * creates them.
 */
class TopicProvisioningIT {

    @Test
    void createsTheEventsAndDeadLetterTopicsWithTheirSettings() throws Exception {
        String topic = "provisioned-" + System.nanoTime();
        try (var service = new ServiceHarness(
                "provision", Map.of("ROLES", "relay", "EVENTS_TOPIC", topic, "TOPIC_PARTITIONS", "6"))) {
            try (Admin admin = admin()) {
                Map<String, TopicDescription> topics = admin.describeTopics(List.of(topic, topic + ".dlq"))
                        .allTopicNames()
                        .get(10, TimeUnit.SECONDS);
                for (TopicDescription d : topics.values()) {
                    assertEquals(6, d.partitions().size(), d.name());
                    assertEquals(1, d.partitions().getFirst().replicas().size(), "one broker: replication 1");
                    var resource = new ConfigResource(ConfigResource.Type.TOPIC, d.name());
                    var config = admin.describeConfigs(List.of(resource))
                            .all()
                            .get(10, TimeUnit.SECONDS)
                            .get(resource);
                    assertEquals("1", config.get("min.insync.replicas").value());
                    assertEquals(
                            "false",
                            config.get("unclean.leader.election.enable").value());
                }
            }
        }
    }

    @Test
    void refusesAnEventsTopicWithFewerPartitionsThanConfigured() {
        // The harness's own topic has 4 partitions.
        var e = assertThrows(
                StartupException.class,
                () -> new ServiceHarness("provision_few", Map.of("ROLES", "relay", "TOPIC_PARTITIONS", "8")).close());
        assertTrue(e.misconfigured(), e.getMessage());
        assertTrue(e.getMessage().contains("has 4 partitions, fewer than TOPIC_PARTITIONS 8"), e.getMessage());
    }

    @Test
    void refusesAReplicationTheClusterCannotGive() {
        var e = assertThrows(
                StartupException.class,
                () -> new ServiceHarness("provision_rf", Map.of("ROLES", "relay", "TOPIC_REPLICATION_FACTOR", "3"))
                        .close());
        assertTrue(e.misconfigured(), e.getMessage());
        assertTrue(e.getMessage().contains("needs at least 3 brokers"), e.getMessage());
        var isr = assertThrows(
                StartupException.class,
                () -> new ServiceHarness("provision_isr", Map.of("ROLES", "relay", "TOPIC_MIN_INSYNC_REPLICAS", "2"))
                        .close());
        assertTrue(isr.misconfigured(), isr.getMessage());
    }

    @Test
    void verifyCreatesNothingAndRefusesAnAbsentTopic() throws Exception {
        String topic = "unprovisioned-" + System.nanoTime();
        var e = assertThrows(
                StartupException.class,
                () -> new ServiceHarness(
                                "verify_absent",
                                Map.of("ROLES", "consumer", "EVENTS_TOPIC", topic, "TOPIC_PROVISIONING", "verify"))
                        .close());
        assertTrue(e.misconfigured(), e.getMessage());
        assertTrue(e.getMessage().contains("Kafka topic " + topic + " does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("provision-topics"), e.getMessage());
        try (Admin admin = admin()) {
            var names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            assertFalse(names.contains(topic) || names.contains(topic + ".dlq"), "verify created nothing: " + names);
        }
    }

    @Test
    void provisionTopicsCreatesThenVerifiesAndInstancesInVerifyModeStart() throws Exception {
        String topic = "provision-cmd-" + System.nanoTime();
        var env = Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                SharedInfrastructure.get().bootstrapServers(),
                "EVENTS_TOPIC",
                topic,
                "TOPIC_PARTITIONS",
                "3");
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = TopicProvisioning.run(AppConfig.load(env, new String[0]), print(out), print(err));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.matches("(?s).*" + Pattern.quote(topic) + " +created +verified.*"), printed);
        assertTrue(printed.matches("(?s).*" + Pattern.quote(topic + ".dlq") + " +created +verified.*"), printed);

        out.reset();
        assertEquals(0, TopicProvisioning.run(AppConfig.load(env, new String[0]), print(out), print(err)));
        assertTrue(out.toString(StandardCharsets.UTF_8).matches("(?s).*" + Pattern.quote(topic) + " +existed.*"));

        var more = new java.util.HashMap<>(env);
        more.put("TOPIC_PARTITIONS", "5");
        err.reset();
        assertEquals(2, TopicProvisioning.run(AppConfig.load(more, new String[0]), print(out), print(err)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("fewer than TOPIC_PARTITIONS 5"), err.toString());

        var closed = new java.util.HashMap<>(env);
        closed.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + LoopbackPorts.free());
        assertEquals(1, TopicProvisioning.run(AppConfig.load(closed, new String[0]), print(out), print(err)));
        assertEquals(2, TopicProvisioning.run(AppConfig.load(Map.of(), new String[0]), print(out), print(err)));

        try (var service = new ServiceHarness(
                "verify_ok",
                Map.of(
                        "ROLES",
                        "relay,consumer",
                        "EVENTS_TOPIC",
                        topic,
                        "TOPIC_PARTITIONS",
                        "3",
                        "TOPIC_PROVISIONING",
                        "verify"))) {
            var ready = service.get("/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("\"kafka\""), ready.body());
        }
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private static Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.get().bootstrapServers()));
    }
}
