package io.walletoutbox.embedded.internal;

import io.walletoutbox.embedded.EmbeddedInfrastructureException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.AuthenticationException;

/**
 * What every embedded Kafka node shares, whether it runs alone ({@code EmbeddedKafka}) or as one of a cluster
 * ({@code EmbeddedKafkaCluster}): its {@code server.properties}, the formatting of its log directory, its child JVM
 * (started from this JVM's class path, watching its parent) and the wait until the cluster answers.
 */
public final class KafkaNodes {
    private static final String BROKER_MAIN = BrokerMain.class.getName();
    private static final String STORAGE_TOOL = "kafka.tools.StorageTool";

    private KafkaNodes() {}

    /**
     * How a node replicates: the replication factor and minimum in-sync replicas of new topics (the default ones
     * and the internal offsets, transaction and share-state topics), and whether a produce to an absent topic
     * creates it.
     */
    public record Replication(int factor, int minInsync, boolean autoCreateTopics) {
        public Replication {
            if (factor < 1 || minInsync < 1 || minInsync > factor) {
                throw new IllegalArgumentException("need 1 <= minInsync <= factor: " + minInsync + ", " + factor);
            }
        }
    }

    /**
     * One node's identity and ports: its {@code node.id}, the controller quorum ({@code id@host:port,…}), its client
     * (and inter-broker) port and its controller port.
     */
    public record NodeSpec(int id, String voters, int brokerPort, int controllerPort) {
        public NodeSpec {
            if (id < 0 || brokerPort < 1 || controllerPort < 1 || voters == null || voters.isBlank()) {
                throw new IllegalArgumentException("bad node " + id + " " + voters + " " + brokerPort);
            }
        }
    }

    /** The {@code server.properties} of a node in combined (broker and controller) mode with a plain listener. */
    public static String serverProperties(NodeSpec node, Path logDir, Replication replication) {
        return """
                process.roles=broker,controller
                node.id=%1$d
                controller.quorum.voters=%2$s
                listeners=PLAINTEXT://127.0.0.1:%3$d,CONTROLLER://127.0.0.1:%4$d
                advertised.listeners=PLAINTEXT://127.0.0.1:%3$d
                controller.listener.names=CONTROLLER
                inter.broker.listener.name=PLAINTEXT
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
                log.dirs=%5$s
                num.partitions=8
                default.replication.factor=%6$d
                min.insync.replicas=%7$d
                unclean.leader.election.enable=false
                offsets.topic.replication.factor=%6$d
                offsets.topic.num.partitions=8
                transaction.state.log.replication.factor=%6$d
                transaction.state.log.min.isr=%7$d
                share.coordinator.state.topic.replication.factor=%6$d
                share.coordinator.state.topic.min.isr=%7$d
                group.initial.rebalance.delay.ms=0
                auto.create.topics.enable=%8$s
                log.flush.interval.messages=9223372036854775807
                num.network.threads=2
                num.io.threads=4
                background.threads=2
                """.formatted(
                        node.id(),
                        node.voters(),
                        node.brokerPort(),
                        node.controllerPort(),
                        logDir.toString().replace("\\", "/"),
                        replication.factor(),
                        replication.minInsync(),
                        replication.autoCreateTopics());
    }

    /** Writes the node's logback configuration (warnings and errors to {@code dir/broker.log}); returns its path. */
    public static Path writeLogback(Path dir) throws IOException {
        Path logback = dir.resolve("broker-logback.xml");
        Files.writeString(logback, """
                <configuration>
                  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                    <file>%s</file>
                    <encoder><pattern>%%d{ISO8601} %%-5level %%logger{36} - %%msg%%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="FILE"/></root>
                </configuration>
                """.formatted(dir.resolve("broker.log")));
        return logback;
    }

    /**
     * Formats {@code logDir} for cluster {@code clusterId} with the properties {@code props}, unless it holds a
     * formatted log already; the tool's output goes to {@code dir/format.out}.
     */
    public static void formatIfNew(Path dir, Path logDir, Path logback, Path props, String clusterId)
            throws IOException {
        formatIfNew(dir, logDir, logback, props, clusterId, List.of());
    }

    /**
     * As {@link #formatIfNew(Path, Path, Path, Path, String)}, with {@code extra} arguments for the storage tool's
     * {@code format} ({@code --add-scram …}, say).
     */
    public static void formatIfNew(
            Path dir, Path logDir, Path logback, Path props, String clusterId, List<String> extra) throws IOException {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        List<String> command = javaCommand(logback);
        command.addAll(List.of(STORAGE_TOOL, "format", "-t", clusterId, "-c", props.toString()));
        command.addAll(extra);
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("format.out").toFile())
                .start();
        try {
            if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new EmbeddedInfrastructureException(
                        "formatting the Kafka log directory failed; see " + dir.resolve("format.out"));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new EmbeddedInfrastructureException("interrupted while formatting Kafka storage", e);
        }
    }

    /**
     * Starts the node's JVM ({@link BrokerMain}: it exits when this JVM does) with heap {@code minHeap}..{@code
     * maxHeap} (as {@code -Xms}/{@code -Xmx} take them), its output appended to {@code dir/broker.out}.
     */
    public static Process launch(Path dir, Path logback, Path props, String minHeap, String maxHeap)
            throws IOException {
        List<String> command = javaCommand(logback);
        command.add("-Xms" + minHeap);
        command.add("-Xmx" + maxHeap);
        command.add(BROKER_MAIN);
        command.add(props.toString());
        command.add(Long.toString(ProcessHandle.current().pid()));
        return new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("broker.out").toFile()))
                .start();
    }

    /**
     * Waits until an admin client of {@code bootstrap} with {@code extra} properties sees nodes that satisfy {@code
     * ready}, until {@code deadline} ({@link System#nanoTime()}).
     *
     * @param exited why the wait cannot succeed any more (a node's process exited), or empty; asked between tries
     * @throws EmbeddedInfrastructureException when {@code exited} answers, or at the deadline
     */
    public static void awaitNodes(
            String bootstrap,
            Map<String, Object> extra,
            long deadline,
            Predicate<Collection<Node>> ready,
            Supplier<Optional<String>> exited,
            String what) {
        RuntimeException last = null;
        Map<String, Object> config = new HashMap<>(extra);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(config)) {
            while (System.nanoTime() < deadline) {
                Optional<String> gone = exited.get();
                if (gone.isPresent()) {
                    throw new EmbeddedInfrastructureException(gone.get());
                }
                try {
                    if (ready.test(admin.describeCluster().nodes().get(3, TimeUnit.SECONDS))) {
                        return;
                    }
                    // Answered, not ready yet (a node not registered): ask again shortly.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EmbeddedInfrastructureException("interrupted while waiting for " + what, e);
                } catch (Exception e) {
                    last = new RuntimeException(e);
                    if (e.getCause() instanceof AuthenticationException) {
                        // Fails at once, unlike an absent broker: pause before asking again.
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                }
            }
        }
        throw new EmbeddedInfrastructureException(what + " did not answer at " + bootstrap + " in time", last);
    }

    /** Whether the node's {@code broker.log} in {@code dir} says a port it was to bind was taken. */
    public static boolean lostPortRace(Path dir) {
        try {
            Path log = dir.resolve("broker.log");
            return Files.exists(log) && Files.readString(log).contains("Address already in use");
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}, …) to {@code pid} with {@code kill}. */
    public static void signal(long pid, String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new EmbeddedInfrastructureException("kill -" + signal + " " + pid + " failed: "
                        + new String(p.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException("kill -" + signal + " " + pid + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedInfrastructureException("interrupted sending SIG" + signal, e);
        }
    }

    private static List<String> javaCommand(Path logback) {
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-cp");
        command.add(classPath());
        command.add("-Dlogback.configurationFile=" + logback);
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Djava.awt.headless=true");
        return command;
    }

    /** This JVM's class path (and module path), absolute, since the child runs in another directory. */
    private static String classPath() {
        List<String> entries = new ArrayList<>();
        for (String property : List.of("java.class.path", "jdk.module.path")) {
            for (String entry : System.getProperty(property, "").split(File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    entries.add(Path.of(entry).toAbsolutePath().toString());
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
