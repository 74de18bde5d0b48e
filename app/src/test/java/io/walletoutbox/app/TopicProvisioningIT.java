package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.app.internal.runtime.StartupException;
import io.walletoutbox.embedded.SharedInfrastructure;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * The service creates the events topic and its dead-letter topic itself, with the configured partitions, replication
 * factor and min.insync.replicas, and refuses (a misconfiguration: exit code 2) an existing events topic below them.
 */
class TopicProvisioningIT {

    @Test
    void createsTheEventsAndDeadLetterTopicsWithTheirSettings() throws Exception {
        String topic = "provisioned-" + System.nanoTime();
        try (var service = new ServiceHarness(
                "provision", Map.of("ROLES", "api", "EVENTS_TOPIC", topic, "TOPIC_PARTITIONS", "6"))) {
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
                () -> new ServiceHarness("provision_few", Map.of("ROLES", "api", "TOPIC_PARTITIONS", "8")).close());
        assertTrue(e.misconfigured(), e.getMessage());
        assertTrue(e.getMessage().contains("has 4 partitions, fewer than TOPIC_PARTITIONS 8"), e.getMessage());
    }

    @Test
    void refusesAReplicationTheClusterCannotGive() {
        var e = assertThrows(
                StartupException.class,
                () -> new ServiceHarness("provision_rf", Map.of("ROLES", "api", "TOPIC_REPLICATION_FACTOR", "3"))
                        .close());
        assertTrue(e.misconfigured(), e.getMessage());
        assertTrue(e.getMessage().contains("needs at least 3 brokers"), e.getMessage());
        var isr = assertThrows(
                StartupException.class,
                () -> new ServiceHarness("provision_isr", Map.of("ROLES", "api", "TOPIC_MIN_INSYNC_REPLICAS", "2"))
                        .close());
        assertTrue(isr.misconfigured(), isr.getMessage());
    }

    private static Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.get().bootstrapServers()));
    }
}
