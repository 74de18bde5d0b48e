package io.walletoutbox.app.internal.runtime;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;

/** The service's own Kafka administration: checking the broker answers, creating the events topic. */
final class Kafka implements AutoCloseable {
    private final Admin admin;
    private final String bootstrapServers;

    /**
     * An admin client of {@code bootstrapServers} with {@code extra} client properties (security: {@code
     * KafkaSecurity.clientProperties()}), applied before this client's own timeouts and id.
     */
    Kafka(String bootstrapServers, Map<String, ?> extra) {
        this.bootstrapServers = bootstrapServers;
        Map<String, Object> props = new HashMap<>(extra);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "wallet-outbox-admin");
        this.admin = Admin.create(props);
    }

    /** Fails with a clear message when no broker answers within {@code seconds}. */
    void requireReachable(int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for Kafka at " + bootstrapServers);
            } catch (Exception e) {
                if (rootCause(e) instanceof AuthenticationException) {
                    // Wrong credentials or certificates do not heal by waiting: say so at once.
                    throw new StartupException("Kafka at " + bootstrapServers
                            + " refused this service's credentials (check the KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and"
                            + " KAFKA_SSL_* settings): " + rootMessage(e));
                }
                last = e;
            }
        }
        throw new StartupException("Kafka at " + bootstrapServers + " did not answer within " + seconds + " s"
                + (last == null ? "" : ": " + rootMessage(last)));
    }

    /**
     * How the service's topics are provisioned: partitions, replication factor and {@code min.insync.replicas};
     * empty replication settings mean "by cluster size" (3 and 2 on a cluster of at least three brokers, else 1 and 1).
     */
    record TopicPolicy(int partitions, Optional<Integer> replicationFactor, Optional<Integer> minInsyncReplicas) {}

    /** What was provisioned: the settings in force. */
    record Provisioned(int partitions, int replicationFactor, int minInsyncReplicas) {}

    /**
     * Creates {@code topic} (the events topic) and {@code deadLetterTopic} unless they exist, with the policy's
     * partitions, replication factor and {@code min.insync.replicas}, and checks an existing events topic against
     * them: fewer partitions, a lower replication factor or a lower {@code min.insync.replicas} than configured stops
     * the start ({@link StartupException#misconfiguration}). The service never relies on auto-creation.
     */
    Provisioned provision(String topic, String deadLetterTopic, TopicPolicy policy) {
        int brokers;
        try {
            brokers = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        } catch (Exception e) {
            throw new StartupException("could not describe the Kafka cluster: " + rootMessage(e), e);
        }
        int rf = policy.replicationFactor().orElse(brokers >= 3 ? 3 : 1);
        int minIsr = policy.minInsyncReplicas().orElse(brokers >= 3 ? 2 : 1);
        if (minIsr > rf) {
            throw StartupException.misconfiguration("TOPIC_MIN_INSYNC_REPLICAS " + minIsr
                    + " is above the replication factor " + rf + ": no write could ever be acknowledged");
        }
        if (rf > brokers) {
            throw StartupException.misconfiguration("TOPIC_REPLICATION_FACTOR " + rf + " needs at least " + rf
                    + " brokers; the cluster at " + bootstrapServers + " has " + brokers);
        }
        for (String name : List.of(topic, deadLetterTopic)) {
            create(name, policy.partitions(), rf, minIsr);
        }
        check(topic, policy.partitions(), rf, minIsr);
        return new Provisioned(policy.partitions(), rf, minIsr);
    }

    private void create(String topic, int partitions, int rf, int minIsr) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) rf)
                            .configs(Map.of(
                                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                                    Integer.toString(minIsr),
                                    TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG,
                                    "false"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new StartupException("could not create Kafka topic " + topic + ": " + rootMessage(e), e);
            }
        } catch (Exception e) {
            throw new StartupException("could not create Kafka topic " + topic + ": " + rootMessage(e), e);
        }
    }

    private void check(String topic, int partitions, int rf, int minIsr) {
        TopicDescription description;
        Config config;
        try {
            description = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(10, TimeUnit.SECONDS)
                    .get(topic);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            config = admin.describeConfigs(List.of(resource))
                    .all()
                    .get(10, TimeUnit.SECONDS)
                    .get(resource);
        } catch (Exception e) {
            throw new StartupException("could not describe Kafka topic " + topic + ": " + rootMessage(e), e);
        }
        int actualPartitions = description.partitions().size();
        int actualRf = description.partitions().stream()
                .mapToInt(p -> p.replicas().size())
                .min()
                .orElse(0);
        var entry = config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
        int actualMinIsr = entry == null ? 1 : Integer.parseInt(entry.value());
        if (actualPartitions < partitions) {
            throw StartupException.misconfiguration("Kafka topic " + topic + " has " + actualPartitions
                    + " partitions, fewer than TOPIC_PARTITIONS " + partitions
                    + " (add partitions with kafka-topics --alter, or lower the setting)");
        }
        if (actualRf < rf) {
            throw StartupException.misconfiguration("Kafka topic " + topic + " has replication factor " + actualRf
                    + ", below the required " + rf + " (TOPIC_REPLICATION_FACTOR): reassign its partitions first");
        }
        if (actualMinIsr < minIsr) {
            throw StartupException.misconfiguration("Kafka topic " + topic + " has min.insync.replicas " + actualMinIsr
                    + ", below the required " + minIsr + " (TOPIC_MIN_INSYNC_REPLICAS): kafka-configs --alter"
                    + " --entity-type topics --entity-name " + topic + " --add-config min.insync.replicas=" + minIsr);
        }
    }

    /** Empty when a broker answers within two seconds, else why not (for readiness). */
    Optional<String> probe() {
        try {
            admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        } catch (Exception e) {
            return Optional.of("Kafka at " + bootstrapServers + " does not answer: " + rootMessage(e));
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = rootCause(e);
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(2));
    }
}
