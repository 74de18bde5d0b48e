package io.walletoutbox.app.internal.runtime;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;

/** The service's own Kafka administration: checking the broker answers, creating the events topic. */
final class Kafka implements AutoCloseable {
    private final Admin admin;
    private final String bootstrapServers;

    Kafka(String bootstrapServers) {
        this(bootstrapServers, Map.of());
    }

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
