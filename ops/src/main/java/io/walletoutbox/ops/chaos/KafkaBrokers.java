package io.walletoutbox.ops.chaos;

import io.walletoutbox.embedded.EmbeddedKafka;
import io.walletoutbox.embedded.EmbeddedKafkaCluster;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The chaos suite's Kafka: one broker (KRaft, a child JVM) for the whole run, killed and restarted on the same
 * directory and port by the scenarios; and a three-node cluster, started when a scenario first asks for it and kept
 * for the run. Each scenario runs on the single broker unless it asks for the cluster.
 */
final class KafkaBrokers {
    private final Path work;
    private final Path directory;
    private EmbeddedKafka broker;
    private int port;
    /** Three Kafka nodes, started when a scenario first asks for them ({@link #useCluster}), kept for the run. */
    private EmbeddedKafkaCluster cluster;
    /** Whether this scenario runs on {@link #cluster} instead of the single broker. */
    private boolean onCluster;

    private KafkaBrokers(Path work) {
        this.work = work;
        this.directory = work.resolve("kafka");
    }

    /** Starts the single broker in {@code work/kafka} on a free port. */
    static KafkaBrokers start(Path work) {
        KafkaBrokers k = new KafkaBrokers(work);
        k.broker = EmbeddedKafka.start(k.directory, 0);
        k.port = Integer.parseInt(k.broker.bootstrapServers().replaceAll(".*:", ""));
        return k;
    }

    /** The next scenario runs on the single broker until it asks for the cluster. */
    void newScenario() {
        onCluster = false;
    }

    /** The bootstrap servers of the scenario's Kafka. */
    String bootstrap() {
        return onCluster ? cluster.bootstrapServers() : "127.0.0.1:" + port;
    }

    /** Makes this scenario run on the three-node cluster, starting it if not running yet. */
    EmbeddedKafkaCluster useCluster() {
        if (cluster == null) {
            cluster = EmbeddedKafkaCluster.start(work.resolve("kafka-cluster"));
        }
        onCluster = true;
        return cluster;
    }

    /** The single broker's process. */
    ProcessHandle broker() {
        return broker.process();
    }

    /** kill -9 the single broker (the tool's EmbeddedKafka handle is dropped). */
    void killBroker() throws Exception {
        Cluster.signal(broker.process().pid(), "KILL");
        broker.process().onExit().get(20, TimeUnit.SECONDS);
    }

    /** Starts the single broker again on the same directory and port. */
    void restartBroker() {
        broker = EmbeddedKafka.start(directory, port);
    }

    /** Stops the cluster, if started, then the single broker (resumed first, should a scenario have stopped it). */
    void close() {
        if (cluster != null) {
            cluster.close();
        }
        try {
            if (broker != null) {
                if (broker.process().isAlive()) {
                    Cluster.signal(broker.process().pid(), "CONT");
                }
                broker.close();
            }
        } catch (Exception e) {
            System.err.println("stopping the broker: " + e);
        }
    }
}
