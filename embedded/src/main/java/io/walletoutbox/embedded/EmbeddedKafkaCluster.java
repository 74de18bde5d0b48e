package io.walletoutbox.embedded;

import io.walletoutbox.embedded.internal.KafkaNodes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * A Kafka cluster of three nodes on loopback, KRaft mode, each node a child JVM (as {@link EmbeddedKafka}'s broker:
 * it exits when this JVM does) with its log in a directory of its own; for tests and the chaos suite, which kill,
 * pause and restart single nodes.
 *
 * <p>Each node is broker and controller at once (combined roles), and the three form the controller quorum, so the
 * cluster keeps its metadata with one node down and freezes with two down. That is fine for tests; production
 * separates the roles: three (or five) dedicated controllers and brokers of their own, so a broker's load or
 * failure never touches the quorum.
 *
 * <p>The brokers replicate as a production cluster should: new topics (and the offsets, transaction and share
 * state topics) get replication factor 3 and {@code min.insync.replicas} 2, so an {@code acks=all} write is
 * acknowledged once two replicas have it, and not at all while only one node runs; no topic is created by a
 * produce or fetch ({@code auto.create.topics.enable=false}); a replica out of the in-sync set never becomes leader
 * ({@code unclean.leader.election.enable=false}).
 *
 * <p>Nodes are named by their Kafka {@code node.id}: 1, 2 and 3 (also the ids in partition leaders and ISRs).
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
    /** The number of nodes. */
    public static final int SIZE = 3;

    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    private final Path directory;
    // Node i + 1 at index i. How a node is configured is ClusterNodeSetup's business, its process ClusterNode's;
    // this class names the nodes and guards them with its lock.
    private final List<ClusterNode> members;
    private boolean closed;

    private EmbeddedKafkaCluster(Path directory, List<ClusterNode> members) {
        this.directory = directory;
        this.members = members;
    }

    /**
     * Starts the three nodes with their logs under {@code directory} ({@code node-1}, {@code node-2}, {@code node-3};
     * it must be absent or empty: ports are picked now and not kept), on free loopback ports, and waits until all
     * three are registered brokers.
     *
     * @throws EmbeddedInfrastructureException when they do not all answer within two minutes
     * @throws IllegalArgumentException when {@code directory} holds anything
     */
    public static EmbeddedKafkaCluster start(Path directory) {
        Path dir = Objects.requireNonNull(directory, "directory").toAbsolutePath();
        if (!ClusterNodeSetup.isEmpty(dir)) {
            throw new IllegalArgumentException(dir + " is not empty");
        }
        for (int attempt = 1; ; attempt++) {
            EmbeddedKafkaCluster cluster = null;
            try {
                cluster = create(dir);
                cluster.awaitBrokers(cluster.bootstrapServers(), Set.of(1, 2, 3), deadline(START_TIMEOUT));
                return cluster;
            } catch (EmbeddedInfrastructureException e) {
                boolean portTaken =
                        cluster != null && cluster.members.stream().anyMatch(m -> KafkaNodes.lostPortRace(m.dir));
                if (cluster != null) {
                    cluster.close();
                }
                // A free port is found by binding and releasing it; another process may take it before the node
                // binds. Only then a new set of ports (and fresh directories) is tried.
                if (!portTaken || attempt >= 3) {
                    throw e;
                }
                ClusterNodeSetup.deleteContents(dir);
            }
        }
    }

    private static EmbeddedKafkaCluster create(Path dir) {
        List<KafkaNodes.NodeSpec> specs = ClusterNodeSetup.specs(SIZE);
        String clusterId = Uuid.randomUuid().toString();
        List<ClusterNode> members = new ArrayList<>();
        var cluster = new EmbeddedKafkaCluster(dir, members);
        try {
            for (KafkaNodes.NodeSpec spec : specs) {
                members.add(ClusterNodeSetup.configure(dir, spec, clusterId));
            }
            for (ClusterNode m : members) {
                m.launch();
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw new EmbeddedInfrastructureException("Kafka cluster did not start in " + dir + ": " + e, e);
        }
    }

    /** {@code bootstrap.servers} naming all three nodes' client listeners ({@code 127.0.0.1:port,…}). */
    public String bootstrapServers() {
        return members.stream().map(ClusterNode::address).collect(Collectors.joining(","));
    }

    /** The client listener ({@code 127.0.0.1:port}) of node {@code node}; it keeps its port across restarts. */
    public String address(int node) {
        return member(node).address();
    }

    /** The node ids, 1 to {@link #SIZE}. */
    public List<Integer> nodeIds() {
        return members.stream().map(m -> m.id).toList();
    }

    /** The service's settings (environment variables) that make it use this cluster: {@code KAFKA_BOOTSTRAP_SERVERS}. */
    public Map<String, String> serviceEnvironment() {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers());
    }

    /** The operating-system process of node {@code node}; empty once it was killed and not restarted. */
    public synchronized Optional<ProcessHandle> process(int node) {
        ClusterNode m = member(node);
        return m.running() ? Optional.of(m.process.toHandle()) : Optional.empty();
    }

    /** Whether node {@code node}'s process is alive (a paused one is). */
    public synchronized boolean isRunning(int node) {
        return member(node).running();
    }

    /**
     * Kills node {@code node} at once, like {@code kill -9}: its process and any process it started, with no
     * controlled shutdown; waits until it is gone. Its data stays for {@link #restart}. A no-op on a node not running.
     */
    public synchronized void kill(int node) {
        member(node).kill();
    }

    /**
     * Freezes node {@code node} ({@code SIGSTOP}): its sockets stay open and nothing answers, as with a process stuck
     * in a long GC pause or a VM stalled by its host. Until {@link #resume}, the others see it time out.
     *
     * @throws IllegalStateException when it is not running
     */
    public synchronized void pause(int node) {
        runningMember(node).pause();
    }

    /**
     * Lets a paused node {@code node} run on ({@code SIGCONT}); it catches up by itself. A no-op on a node not paused.
     *
     * @throws IllegalStateException when it is not running
     */
    public synchronized void resume(int node) {
        runningMember(node).resume();
    }

    /**
     * Starts node {@code node} again on its ports and its data directory (killing it first if it still runs), and
     * waits until the cluster lists it among its brokers again. That needs a majority of the controller quorum: two
     * of the three nodes running, this one included. It then catches up as a follower; see {@link #awaitInSync}.
     *
     * @throws EmbeddedInfrastructureException when it is not listed within two minutes
     */
    public synchronized void restart(int node) {
        ClusterNode m = member(node);
        kill(node);
        try {
            m.launch();
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException("Kafka node " + node + " did not start: " + e, e);
        }
        awaitBrokers(m.address(), Set.of(node), deadline(START_TIMEOUT));
    }

    /**
     * Waits until every partition of every topic (internal ones included) has all its replicas in sync: after a
     * restart, the node caught up.
     *
     * @throws EmbeddedInfrastructureException when that does not happen within {@code timeout}
     */
    public void awaitInSync(Duration timeout) {
        InSyncReplicas.await(bootstrapServers(), timeout);
    }

    /** The directory holding the nodes' directories. */
    public Path directory() {
        return directory;
    }

    /**
     * Stops every node: paused ones are resumed, then all get {@code SIGTERM} together (a controlled shutdown); a
     * node still running after 20 s is killed.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        members.forEach(ClusterNode::resumeBeforeStop);
        members.forEach(ClusterNode::requestStop);
        long deadline = deadline(Duration.ofSeconds(20));
        for (ClusterNode m : members) {
            m.awaitStop(deadline);
        }
    }

    /** Waits until an admin client of {@code bootstrap} lists every node of {@code ids} as a broker. */
    private void awaitBrokers(String bootstrap, Set<Integer> ids, long deadline) {
        KafkaNodes.awaitNodes(
                bootstrap,
                Map.of(),
                deadline,
                nodes ->
                        nodes.stream().map(Node::id).collect(Collectors.toSet()).containsAll(ids),
                this::exitedNode,
                "Kafka node(s) " + ids);
    }

    private synchronized Optional<String> exitedNode() {
        return members.stream().filter(ClusterNode::exited).findFirst().map(ClusterNode::exitDescription);
    }

    private ClusterNode member(int node) {
        if (node < 1 || node > members.size()) {
            throw new IllegalArgumentException("no node " + node + "; nodes are 1 to " + members.size());
        }
        return members.get(node - 1);
    }

    private ClusterNode runningMember(int node) {
        ClusterNode m = member(node);
        if (!m.running()) {
            throw new IllegalStateException("Kafka node " + node + " is not running");
        }
        return m;
    }

    private static long deadline(Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }
}
