package io.walletoutbox.app.internal.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The service's own Kafka administration: checking the broker answers, creating or verifying the events topic and
 * its dead-letter topic.
 */
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

    /**
     * The settings in force for the service's topics, and which topics this call created (none when it only
     * verified).
     */
    record Provisioned(int partitions, int replicationFactor, int minInsyncReplicas, List<String> created) {
        Provisioned {
            created = List.copyOf(created);
        }
    }

    /**
     * Creates {@code topic} (the events topic) and {@code deadLetterTopic} unless they exist, with the policy's
     * partitions, replication factor and {@code min.insync.replicas}, and checks an existing events topic against
     * them: fewer partitions, a lower replication factor or a lower {@code min.insync.replicas} than configured stops
     * the start ({@link StartupException#misconfiguration}). The service never relies on auto-creation.
     */
    Provisioned provision(String topic, String deadLetterTopic, TopicPolicy policy) {
        Provisioned settings = settings(policy);
        List<String> created = new ArrayList<>();
        for (String name : List.of(topic, deadLetterTopic)) {
            if (create(name, settings)) {
                created.add(name);
            }
        }
        created.forEach(this::awaitVisible);
        check(topic, settings);
        return new Provisioned(
                settings.partitions(), settings.replicationFactor(), settings.minInsyncReplicas(), created);
    }

    /**
     * Describes {@code topics} and checks each against the policy, creating nothing: an absent topic, or one below
     * the policy, stops the start ({@link StartupException#misconfiguration}). Needs Describe and DescribeConfigs on
     * each topic, no right to create.
     */
    Provisioned verify(List<String> topics, TopicPolicy policy) {
        Provisioned settings = settings(policy);
        for (String name : topics) {
            check(name, settings);
        }
        return settings;
    }

    /** The policy's replication settings resolved against the cluster's size, refused when it cannot give them. */
    private Provisioned settings(TopicPolicy policy) {
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
        return new Provisioned(policy.partitions(), rf, minIsr, List.of());
    }

    /** Creates {@code topic}; true when this call created it, false when it existed. */
    private boolean create(String topic, Provisioned settings) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, settings.partitions(), (short) settings.replicationFactor())
                            .configs(Map.of(
                                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                                    Integer.toString(settings.minInsyncReplicas()),
                                    TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG,
                                    "false"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            if (rootCause(e) instanceof AuthorizationException) {
                throw StartupException.misconfiguration("this instance's Kafka principal may not create topic " + topic
                        + " (" + rootMessage(e) + "): create the topics with provision-topics and admin credentials,"
                        + " and set TOPIC_PROVISIONING=verify");
            }
            throw new StartupException("could not create Kafka topic " + topic + ": " + rootMessage(e), e);
        } catch (Exception e) {
            throw new StartupException("could not create Kafka topic " + topic + ": " + rootMessage(e), e);
        }
    }

    /**
     * Waits (at most 30 s) until the broker this client asks describes a topic just created: the controller
     * acknowledges a creation before every broker's metadata has it.
     */
    private void awaitVisible(String topic) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for Kafka topic " + topic);
            } catch (Exception e) {
                if (!(rootCause(e) instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    return; // check() reports what is wrong
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
    }

    private void check(String topic, Provisioned settings) {
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
            Throwable cause = rootCause(e);
            if (cause instanceof UnknownTopicOrPartitionException) {
                throw StartupException.misconfiguration("Kafka topic " + topic + " does not exist at "
                        + bootstrapServers + " (TOPIC_PROVISIONING=verify creates nothing): create it with"
                        + " `java -jar wallet-outbox.jar provision-topics` and admin credentials");
            }
            if (cause instanceof AuthorizationException) {
                throw StartupException.misconfiguration("this instance's Kafka principal may not describe topic "
                        + topic + " (" + rootMessage(e) + "): grant it Describe and DescribeConfigs on the topic"
                        + " (docs/operations.md, Kafka topics)");
            }
            throw new StartupException("could not describe Kafka topic " + topic + ": " + rootMessage(e), e);
        }
        int partitions = settings.partitions();
        int rf = settings.replicationFactor();
        int minIsr = settings.minInsyncReplicas();
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
