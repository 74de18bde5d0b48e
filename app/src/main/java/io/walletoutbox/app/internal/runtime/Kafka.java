package io.walletoutbox.app.internal.runtime;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** The service's own Kafka administration: checking the broker answers, creating the events topic. */
final class Kafka implements AutoCloseable {
    private final Admin admin;
    private final String bootstrapServers;

    Kafka(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                5000,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "wallet-outbox-admin"));
    }

    /** Fails with a clear message when no broker answers within {@code seconds}. */
    void requireReachable(int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = e;
            }
        }
        throw new StartupException("Kafka at " + bootstrapServers + " did not answer within " + seconds + " s"
                + (last == null ? "" : ": " + rootMessage(last)));
    }

    /** Creates the topic with {@code partitions} partitions unless it exists. */
    void ensureTopic(String topic, int partitions) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new StartupException("could not create Kafka topic " + topic + ": " + rootMessage(e));
            }
        } catch (Exception e) {
            throw new StartupException("could not create Kafka topic " + topic + ": " + rootMessage(e));
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
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(2));
    }
}
