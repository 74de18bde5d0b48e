package io.walletoutbox.embedded;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/** Waits, through an admin client, until a cluster's partitions have all their replicas in sync. */
final class InSyncReplicas {
    private InSyncReplicas() {}

    /**
     * Waits until every partition of every topic (internal ones included) of the cluster at {@code
     * bootstrapServers} has all its replicas in sync.
     *
     * @throws EmbeddedInfrastructureException when that does not happen within {@code timeout}
     */
    static void await(String bootstrapServers, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lagging = "nothing asked yet";
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                5000))) {
            while (System.nanoTime() < deadline) {
                try {
                    Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true))
                            .names()
                            .get(5, TimeUnit.SECONDS);
                    Map<String, TopicDescription> descriptions =
                            admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS);
                    Optional<String> behind = descriptions.values().stream()
                            .flatMap(d -> d.partitions().stream()
                                    .filter(p -> !inSync(p))
                                    .map(p -> d.name() + "-" + p.partition() + " isr " + ids(p.isr())))
                            .findFirst();
                    if (behind.isEmpty()) {
                        return;
                    }
                    lagging = behind.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EmbeddedInfrastructureException("interrupted while waiting for in-sync replicas", e);
                } catch (Exception e) {
                    lagging = e.toString();
                }
                sleep(200);
            }
        }
        throw new EmbeddedInfrastructureException(
                "Kafka cluster's replicas not all in sync within " + timeout + ": " + lagging);
    }

    private static boolean inSync(TopicPartitionInfo p) {
        // A replica whose node the answering broker knows no address of (Node.isEmpty) is fenced there, whatever
        // the ISR it last heard of says.
        return p.leader() != null
                && p.isr().size() == p.replicas().size()
                && p.replicas().stream().noneMatch(Node::isEmpty);
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedInfrastructureException("interrupted", e);
        }
    }
}
