package io.walletoutbox.app.internal.runtime;

import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.config.AppConfig.Role;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Which Kafka topics an instance needs and how it makes sure they are there ({@code TOPIC_PROVISIONING}), and the
 * {@code provision-topics} command that creates them with admin credentials.
 *
 * <p>Only the relay (the events topic) and the consumer (the events topic and its dead-letter topic) need topics; an
 * instance with the api role alone never talks to Kafka. With {@code create} an instance creates what is missing and
 * checks the events topic; with {@code verify} it creates nothing and checks every topic its roles use, so its
 * principal needs no right to create topics. Either way a topic below the configured policy stops the start.
 */
public final class TopicProvisioning {
    private TopicProvisioning() {}

    /** The dead-letter topic of {@code eventsTopic}. */
    static String deadLetterTopic(String eventsTopic) {
        return eventsTopic + ".dlq";
    }

    /** The topics the roles of this instance read or write: empty for an api-only instance. */
    static List<String> topicsOf(AppConfig config) {
        List<String> topics = new ArrayList<>();
        if (config.usesKafka()) {
            topics.add(config.eventsTopic());
        }
        if (config.runs(Role.CONSUMER)) {
            topics.add(deadLetterTopic(config.eventsTopic()));
        }
        return topics;
    }

    private static Kafka.TopicPolicy policy(AppConfig config) {
        return new Kafka.TopicPolicy(
                config.topicPartitions(), config.topicReplicationFactor(), config.topicMinInsyncReplicas());
    }

    /**
     * At the start of an instance that uses Kafka: creates the missing topics and checks the events topic
     * ({@code create}), or checks the topics of its roles and creates nothing ({@code verify}).
     *
     * @throws StartupException when a topic is absent (verify), below the policy, or cannot be created or described
     */
    static Kafka.Provisioned ensure(AppConfig config, Kafka kafka) {
        return switch (config.topicProvisioning()) {
            case CREATE -> kafka.provision(config.eventsTopic(), deadLetterTopic(config.eventsTopic()), policy(config));
            case VERIFY -> kafka.verify(topicsOf(config), policy(config));
        };
    }

    /**
     * The {@code provision-topics} command: with the configured (admin) credentials, creates the events and
     * dead-letter topics unless they exist, then checks both against the policy, and prints one line per topic.
     *
     * @return the process exit code: 0 done, 1 Kafka unreachable or failing, 2 a setting that does not fit
     */
    public static int run(AppConfig config, PrintStream out, PrintStream err) {
        if (config.kafkaBootstrapServers().isEmpty()) {
            err.println("wallet-outbox provision-topics: KAFKA_BOOTSTRAP_SERVERS is required (an embedded broker's"
                    + " topics are created by the service itself)");
            return 2;
        }
        String bootstrap = config.kafkaBootstrapServers().get();
        String events = config.eventsTopic();
        List<String> topics = List.of(events, deadLetterTopic(events));
        try (Kafka kafka = new Kafka(bootstrap, config.kafkaSecurity().clientProperties())) {
            kafka.requireReachable(15);
            Kafka.Provisioned provisioned = kafka.provision(events, deadLetterTopic(events), policy(config));
            kafka.verify(topics, policy(config));
            out.println("provision-topics: Kafka at " + bootstrap);
            for (String topic : topics) {
                out.printf(
                        "  %-40s %-8s verified: partitions >= %d, replication >= %d, min.insync.replicas >= %d%n",
                        topic,
                        provisioned.created().contains(topic) ? "created" : "existed",
                        provisioned.partitions(),
                        provisioned.replicationFactor(),
                        provisioned.minInsyncReplicas());
            }
            out.flush();
            return 0;
        } catch (StartupException e) {
            err.println("wallet-outbox provision-topics: " + oneLine(e.getMessage()));
            return e.misconfigured() ? 2 : 1;
        } catch (RuntimeException e) {
            err.println("wallet-outbox provision-topics: " + oneLine(Kafka.rootMessage(e)));
            return 1;
        }
    }

    private static String oneLine(String message) {
        return message == null ? "failed" : message.replaceAll("\\s+", " ");
    }
}
