package io.walletoutbox.embedded;

import io.walletoutbox.embedded.internal.KafkaNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The configuration of an {@link EmbeddedKafkaCluster}'s nodes: free loopback ports and the controller quorum that
 * names them, each node's directory, {@code server.properties} (replication factor 3, {@code min.insync.replicas}
 * 2, no unclean leader election), logging and formatted log directory; and the cluster directory itself.
 */
final class ClusterNodeSetup {
    private static final KafkaNodes.Replication REPLICATION = new KafkaNodes.Replication(3, 2, false);

    private ClusterNodeSetup() {}

    /** The nodes' specs, ids 1 to {@code size}, on free loopback ports, each a voter of the controller quorum. */
    static List<KafkaNodes.NodeSpec> specs(int size) {
        List<KafkaNodes.NodeSpec> specs = new ArrayList<>();
        int[] brokerPorts = new int[size];
        int[] controllerPorts = new int[size];
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            brokerPorts[i] = LoopbackPorts.free();
            controllerPorts[i] = LoopbackPorts.free();
            voters.add((i + 1) + "@127.0.0.1:" + controllerPorts[i]);
        }
        for (int i = 0; i < size; i++) {
            specs.add(new KafkaNodes.NodeSpec(i + 1, String.join(",", voters), brokerPorts[i], controllerPorts[i]));
        }
        return specs;
    }

    /**
     * Writes node {@code spec}'s directory under {@code dir} ({@code node-<id>}): its properties and logging, and
     * its log directory formatted for {@code clusterId}. Does not start it.
     */
    static ClusterNode configure(Path dir, KafkaNodes.NodeSpec spec, String clusterId) throws IOException {
        Path nodeDir = dir.resolve("node-" + spec.id());
        Path logDir = nodeDir.resolve("log");
        Files.createDirectories(logDir);
        Path props = nodeDir.resolve("server.properties");
        Files.writeString(props, KafkaNodes.serverProperties(spec, logDir, REPLICATION));
        Path logback = KafkaNodes.writeLogback(nodeDir);
        KafkaNodes.formatIfNew(nodeDir, logDir, logback, props, clusterId);
        return new ClusterNode(spec.id(), nodeDir, props, logback, spec.brokerPort());
    }

    static boolean isEmpty(Path dir) {
        if (!Files.exists(dir)) {
            return true;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException("cannot read " + dir + ": " + e, e);
        }
    }

    static void deleteContents(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder())
                    .filter(p -> !p.equals(dir))
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException("cannot clear " + dir + ": " + e, e);
        }
    }
}
