package io.walletoutbox.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apache Kafka's own broker, single node, KRaft mode (broker and controller in one process), run as a child
 * JVM from this JVM's class path. The child watches its parent and exits when the parent dies, so even a
 * {@code kill -9} of the parent leaves no broker behind. Data (the log directory) is kept in a directory.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String BROKER_MAIN = "io.walletoutbox.embedded.internal.BrokerMain";
    private static final String STORAGE_TOOL = "kafka.tools.StorageTool";

    private final Process process;
    private final int port;
    private final Path directory;

    private EmbeddedKafka(Process process, int port, Path directory) {
        this.process = process;
        this.port = port;
        this.directory = directory;
    }

    /**
     * Starts a broker listening on 127.0.0.1:{@code port} (0 picks a free port) with its log in {@code
     * directory}, formatted when new, and waits until it answers.
     *
     * @throws EmbeddedInfrastructureException when it does not answer within two minutes
     */
    public static EmbeddedKafka start(Path directory, int port) {
        Objects.requireNonNull(directory, "directory");
        Path dir = directory.toAbsolutePath();
        try {
            Path logDir = dir.resolve("log");
            Files.createDirectories(logDir);
            int brokerPort = port == 0 ? freePort() : port;
            int controllerPort = freePort();
            Path props = dir.resolve("server.properties");
            Files.writeString(props, serverProperties(logDir, brokerPort, controllerPort));
            Path logback = dir.resolve("broker-logback.xml");
            Files.writeString(logback, brokerLogback(dir.resolve("broker.log")));
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                runTool(
                        dir,
                        logback,
                        List.of(STORAGE_TOOL, "format", "-t", Uuid.randomUuid().toString(), "-c", props.toString()));
            }
            List<String> command = javaCommand(logback);
            command.add("-Xms256m");
            command.add("-Xmx768m");
            command.add(BROKER_MAIN);
            command.add(props.toString());
            command.add(Long.toString(ProcessHandle.current().pid()));
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("broker.out").toFile())
                    .start();
            var kafka = new EmbeddedKafka(process, brokerPort, dir);
            try {
                kafka.awaitReady(Duration.ofMinutes(2));
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
            return kafka;
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException("Kafka broker did not start in " + dir + ": " + e, e);
        }
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The operating-system process of the broker (for tests that stop or kill it). */
    public ProcessHandle process() {
        return process.toHandle();
    }

    /** Stops the broker (SIGTERM, a controlled shutdown) and waits for it; kills it after 30 seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                log.warn("Kafka broker did not stop in 30 s; killing it");
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new EmbeddedInfrastructureException("Kafka broker exited with code " + process.exitValue()
                            + "; see " + directory.resolve("broker.out"));
                }
                try {
                    if (!admin.describeCluster()
                            .nodes()
                            .get(3, TimeUnit.SECONDS)
                            .isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    last = new RuntimeException(e);
                }
            }
        }
        throw new EmbeddedInfrastructureException("Kafka broker did not answer within " + timeout, last);
    }

    private static void runTool(Path dir, Path logback, List<String> args) throws IOException {
        List<String> command = javaCommand(logback);
        command.addAll(args);
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
            for (String entry : System.getProperty(property, "").split(java.io.File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    entries.add(Path.of(entry).toAbsolutePath().toString());
                }
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String serverProperties(Path logDir, int brokerPort, int controllerPort) {
        return """
                process.roles=broker,controller
                node.id=1
                controller.quorum.voters=1@127.0.0.1:%2$d
                listeners=PLAINTEXT://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
                advertised.listeners=PLAINTEXT://127.0.0.1:%1$d
                controller.listener.names=CONTROLLER
                inter.broker.listener.name=PLAINTEXT
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
                log.dirs=%3$s
                num.partitions=8
                offsets.topic.replication.factor=1
                offsets.topic.num.partitions=8
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                group.initial.rebalance.delay.ms=0
                auto.create.topics.enable=true
                log.flush.interval.messages=9223372036854775807
                num.network.threads=2
                num.io.threads=4
                background.threads=2
                """.formatted(brokerPort, controllerPort, logDir.toString().replace("\\", "/"));
    }

    private static String brokerLogback(Path logFile) {
        return """
                <configuration>
                  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                    <file>%s</file>
                    <encoder><pattern>%%d{ISO8601} %%-5level %%logger{36} - %%msg%%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="FILE"/></root>
                </configuration>
                """.formatted(logFile.toString());
    }
}
