package io.walletoutbox.embedded;

import io.walletoutbox.embedded.internal.KafkaNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
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
    private static final KafkaNodes.Replication REPLICATION = new KafkaNodes.Replication(3, 2, false);

    /** One node: where it lives, its ports, and its process (null once killed). */
    private static final class Member {
        final int id;
        final Path dir;
        final Path props;
        final Path logback;
        final int brokerPort;
        Process process;
        boolean paused;

        Member(int id, Path dir, Path props, Path logback, int brokerPort) {
            this.id = id;
            this.dir = dir;
            this.props = props;
            this.logback = logback;
            this.brokerPort = brokerPort;
        }

        String address() {
            return "127.0.0.1:" + brokerPort;
        }

        boolean running() {
            return process != null && process.isAlive();
        }
    }

    private final Path directory;
    private final List<Member> members;
    private boolean closed;

    private EmbeddedKafkaCluster(Path directory, List<Member> members) {
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
        if (!isEmpty(dir)) {
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
                deleteContents(dir);
            }
        }
    }

    private static EmbeddedKafkaCluster create(Path dir) {
        List<KafkaNodes.NodeSpec> specs = new ArrayList<>();
        int[] brokerPorts = new int[SIZE];
        int[] controllerPorts = new int[SIZE];
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < SIZE; i++) {
            brokerPorts[i] = KafkaNodes.freePort();
            controllerPorts[i] = KafkaNodes.freePort();
            voters.add((i + 1) + "@127.0.0.1:" + controllerPorts[i]);
        }
        for (int i = 0; i < SIZE; i++) {
            specs.add(new KafkaNodes.NodeSpec(i + 1, String.join(",", voters), brokerPorts[i], controllerPorts[i]));
        }
        String clusterId = Uuid.randomUuid().toString();
        List<Member> members = new ArrayList<>();
        var cluster = new EmbeddedKafkaCluster(dir, members);
        try {
            for (KafkaNodes.NodeSpec spec : specs) {
                Path nodeDir = dir.resolve("node-" + spec.id());
                Path logDir = nodeDir.resolve("log");
                Files.createDirectories(logDir);
                Path props = nodeDir.resolve("server.properties");
                Files.writeString(props, KafkaNodes.serverProperties(spec, logDir, REPLICATION));
                Path logback = KafkaNodes.writeLogback(nodeDir);
                KafkaNodes.formatIfNew(nodeDir, logDir, logback, props, clusterId);
                members.add(new Member(spec.id(), nodeDir, props, logback, spec.brokerPort()));
            }
            for (Member m : members) {
                cluster.launch(m);
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw new EmbeddedInfrastructureException("Kafka cluster did not start in " + dir + ": " + e, e);
        }
    }

    /** {@code bootstrap.servers} naming all three nodes' client listeners ({@code 127.0.0.1:port,…}). */
    public String bootstrapServers() {
        return members.stream().map(Member::address).collect(Collectors.joining(","));
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
        Member m = member(node);
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
        Member m = member(node);
        if (m.process == null) {
            return;
        }
        m.process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        m.process.destroyForcibly();
        try {
            if (!m.process.waitFor(30, TimeUnit.SECONDS)) {
                throw new EmbeddedInfrastructureException("Kafka node " + node + " did not die within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedInfrastructureException("interrupted while killing Kafka node " + node, e);
        }
        m.process = null;
        m.paused = false;
    }

    /**
     * Freezes node {@code node} ({@code SIGSTOP}): its sockets stay open and nothing answers, as with a process stuck
     * in a long GC pause or a VM stalled by its host. Until {@link #resume}, the others see it time out.
     *
     * @throws IllegalStateException when it is not running
     */
    public synchronized void pause(int node) {
        Member m = runningMember(node);
        KafkaNodes.signal(m.process.pid(), "STOP");
        m.paused = true;
    }

    /**
     * Lets a paused node {@code node} run on ({@code SIGCONT}); it catches up by itself. A no-op on a node not paused.
     *
     * @throws IllegalStateException when it is not running
     */
    public synchronized void resume(int node) {
        Member m = runningMember(node);
        if (m.paused) {
            KafkaNodes.signal(m.process.pid(), "CONT");
            m.paused = false;
        }
    }

    /**
     * Starts node {@code node} again on its ports and its data directory (killing it first if it still runs), and
     * waits until the cluster lists it among its brokers again. That needs a majority of the controller quorum: two
     * of the three nodes running, this one included. It then catches up as a follower; see {@link #awaitInSync}.
     *
     * @throws EmbeddedInfrastructureException when it is not listed within two minutes
     */
    public synchronized void restart(int node) {
        Member m = member(node);
        kill(node);
        try {
            launch(m);
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
        long deadline = deadline(timeout);
        String lagging = "nothing asked yet";
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers(),
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
        for (Member m : members) {
            if (m.running() && m.paused) {
                try {
                    KafkaNodes.signal(m.process.pid(), "CONT");
                } catch (RuntimeException e) {
                    // killed below
                }
            }
        }
        members.stream().filter(Member::running).forEach(m -> m.process.destroy());
        long deadline = deadline(Duration.ofSeconds(20));
        for (Member m : members) {
            if (m.process == null) {
                continue;
            }
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!m.process.waitFor(left, TimeUnit.NANOSECONDS)) {
                    m.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                m.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void launch(Member m) throws IOException {
        m.process = KafkaNodes.launch(m.dir, m.logback, m.props, "128m", "512m");
        m.paused = false;
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
        return members.stream()
                .filter(m -> m.process != null && !m.process.isAlive())
                .findFirst()
                .map(m -> "Kafka node " + m.id + " exited with code " + m.process.exitValue() + "; see "
                        + m.dir.resolve("broker.out") + " and " + m.dir.resolve("broker.log"));
    }

    private Member member(int node) {
        if (node < 1 || node > members.size()) {
            throw new IllegalArgumentException("no node " + node + "; nodes are 1 to " + members.size());
        }
        return members.get(node - 1);
    }

    private Member runningMember(int node) {
        Member m = member(node);
        if (!m.running()) {
            throw new IllegalStateException("Kafka node " + node + " is not running");
        }
        return m;
    }

    private static long deadline(Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedInfrastructureException("interrupted", e);
        }
    }

    private static boolean isEmpty(Path dir) {
        if (!Files.exists(dir)) {
            return true;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException("cannot read " + dir + ": " + e, e);
        }
    }

    private static void deleteContents(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder())
                    .filter(p -> !p.equals(dir))
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException("cannot clear " + dir + ": " + e, e);
        }
    }
}
