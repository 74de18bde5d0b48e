package io.walletoutbox.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
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

    /** The SASL mechanism a broker of {@link #startWithScram} requires. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-256";

    /** The security protocol of a broker of {@link #startWithScram}: SASL without TLS (loopback only). */
    public static final String SASL_PROTOCOL = "SASL_PLAINTEXT";

    private static final Pattern CREDENTIAL = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final Process process;
    private final int port;
    private final Path directory;
    private final Map<String, Object> clientProperties;

    private EmbeddedKafka(Process process, int port, Path directory, Map<String, Object> clientProperties) {
        this.process = process;
        this.port = port;
        this.directory = directory;
        this.clientProperties = Map.copyOf(clientProperties);
    }

    /**
     * Starts a broker listening on 127.0.0.1:{@code port} (0 picks a free port) with its log in {@code
     * directory}, formatted when new, and waits until it answers.
     *
     * @throws EmbeddedInfrastructureException when it does not answer within two minutes
     */
    public static EmbeddedKafka start(Path directory, int port) {
        Objects.requireNonNull(directory, "directory");
        for (int attempt = 1; ; attempt++) {
            try {
                return launch(directory.toAbsolutePath(), port, null, null);
            } catch (EmbeddedInfrastructureException e) {
                // A free port is found by binding and releasing it; another process may take it before the broker
                // binds. Only then, and only for ports chosen here, a new pair of ports is tried.
                if (port != 0 || attempt >= 3 || !lostPortRace(directory.toAbsolutePath())) {
                    throw e;
                }
            }
        }
    }

    private static boolean lostPortRace(Path directory) {
        try {
            Path log = directory.resolve("broker.log");
            return Files.exists(log) && Files.readString(log).contains("Address already in use");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts a broker whose client listener (127.0.0.1, a free port: {@link #bootstrapServers()}) requires SASL
     * authentication with {@value #SCRAM_MECHANISM} over plain TCP ({@value #SASL_PROTOCOL}), with its log in
     * {@code directory}, and waits until {@code user} can authenticate with {@code password}. A client without
     * these credentials cannot even read metadata; a client with them may do anything (the broker has no
     * authorizer). The credentials are (re)set at every start, so a directory may be reused with others.
     *
     * <p>A client connects with {@link #clientProperties()}; the service with {@link #serviceEnvironment()}.
     *
     * @param user letters, digits, {@code . _ -}; at most 64
     * @param password the same characters; at most 64
     * @throws EmbeddedInfrastructureException when it does not accept the credentials within two minutes
     */
    public static EmbeddedKafka startWithScram(Path directory, String user, String password) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (!CREDENTIAL.matcher(user).matches() || !CREDENTIAL.matcher(password).matches()) {
            throw new IllegalArgumentException("user and password must be 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        return launch(directory.toAbsolutePath(), 0, user, password);
    }

    /** The {@code sasl.jaas.config} line of a SCRAM client authenticating as {@code user}. */
    public static String scramJaasConfig(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    private static EmbeddedKafka launch(Path dir, int port, String user, String password) {
        boolean scram = user != null;
        try {
            Path logDir = dir.resolve("log");
            Files.createDirectories(logDir);
            int brokerPort = port == 0 ? freePort() : port;
            int controllerPort = freePort();
            // A SCRAM broker also listens, without authentication, on a port it does not hand to clients: the
            // fixture's own way in to set the credentials (which live in the cluster's metadata) once it runs.
            int internalPort = scram ? freePort() : brokerPort;
            Path props = dir.resolve("server.properties");
            Files.writeString(
                    props,
                    scram
                            ? scramServerProperties(logDir, brokerPort, internalPort, controllerPort)
                            : serverProperties(logDir, brokerPort, controllerPort));
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
            Map<String, Object> clientProperties = scram
                    ? Map.of(
                            CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
                            SASL_PROTOCOL,
                            SaslConfigs.SASL_MECHANISM,
                            SCRAM_MECHANISM,
                            SaslConfigs.SASL_JAAS_CONFIG,
                            scramJaasConfig(user, password))
                    : Map.of();
            var kafka = new EmbeddedKafka(process, brokerPort, dir, clientProperties);
            try {
                Duration timeout = Duration.ofMinutes(2);
                long deadline = System.nanoTime() + timeout.toNanos();
                if (scram) {
                    String internal = "127.0.0.1:" + internalPort;
                    kafka.awaitReady(internal, Map.of(), deadline, timeout);
                    upsertScramCredential(internal, user, password);
                }
                // For a SCRAM broker: until the credential reached the broker's cache, authentication fails.
                kafka.awaitReady(kafka.bootstrapServers(), clientProperties, deadline, timeout);
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
            return kafka;
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException("Kafka broker did not start in " + dir + ": " + e, e);
        }
    }

    /** {@code host:port} for {@code bootstrap.servers}: the client listener (SASL for {@link #startWithScram}). */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /**
     * What a client adds to its configuration to connect: empty for a plain broker; {@code security.protocol},
     * {@code sasl.mechanism} and {@code sasl.jaas.config} (with the credentials) for a broker of {@link
     * #startWithScram}.
     */
    public Map<String, Object> clientProperties() {
        return clientProperties;
    }

    /** The {@code sasl.jaas.config} clients of a broker of {@link #startWithScram} use; empty for a plain broker. */
    public Optional<String> saslJaasConfig() {
        return Optional.ofNullable((String) clientProperties.get(SaslConfigs.SASL_JAAS_CONFIG));
    }

    /**
     * The service's settings (environment variables) that make it use this broker: {@code
     * KAFKA_BOOTSTRAP_SERVERS}, and for a broker of {@link #startWithScram} {@code KAFKA_SECURITY_PROTOCOL}, {@code
     * KAFKA_SASL_MECHANISM} and {@code KAFKA_SASL_JAAS_CONFIG}.
     */
    public Map<String, String> serviceEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers());
        saslJaasConfig().ifPresent(jaas -> {
            env.put("KAFKA_SECURITY_PROTOCOL", SASL_PROTOCOL);
            env.put("KAFKA_SASL_MECHANISM", SCRAM_MECHANISM);
            env.put("KAFKA_SASL_JAAS_CONFIG", jaas);
        });
        return Collections.unmodifiableMap(env);
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

    /** Waits until an admin client of {@code bootstrap} with {@code extra} properties sees the cluster's node. */
    private void awaitReady(String bootstrap, Map<String, Object> extra, long deadline, Duration timeout) {
        RuntimeException last = null;
        Map<String, Object> config = new HashMap<>(extra);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(config)) {
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
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EmbeddedInfrastructureException("interrupted while waiting for the Kafka broker", e);
                } catch (Exception e) {
                    last = new RuntimeException(e);
                    if (e.getCause() instanceof AuthenticationException) {
                        // Fails at once, unlike an absent broker: pause before asking again.
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                }
            }
        }
        throw new EmbeddedInfrastructureException(
                "Kafka broker did not answer at " + bootstrap + " within " + timeout, last);
    }

    /** Sets {@code user}'s {@value #SCRAM_MECHANISM} credential through the unauthenticated internal listener. */
    private static void upsertScramCredential(String internalBootstrap, String user, String password) {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                internalBootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30_000))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), password)))
                    .all()
                    .get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedInfrastructureException("interrupted while setting the SCRAM credential", e);
        } catch (Exception e) {
            throw new EmbeddedInfrastructureException("could not set the SCRAM credential of " + user, e);
        }
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

    /**
     * A broker whose CLIENT listener requires SASL/SCRAM-SHA-256; INTERNAL (plain, not advertised to clients of
     * CLIENT) carries the broker's own traffic and the fixture's credential set-up. The SCRAM server needs a JAAS
     * entry on its listener, without options: it checks clients against the credentials in the metadata.
     */
    private static String scramServerProperties(Path logDir, int clientPort, int internalPort, int controllerPort) {
        String plain = serverProperties(logDir, clientPort, controllerPort);
        StringBuilder out = new StringBuilder();
        for (String line : plain.split("\n")) {
            if (line.startsWith("listeners=")
                    || line.startsWith("advertised.listeners=")
                    || line.startsWith("inter.broker.listener.name=")
                    || line.startsWith("listener.security.protocol.map=")) {
                continue;
            }
            out.append(line).append('\n');
        }
        out.append("""
                listeners=CLIENT://127.0.0.1:%1$d,INTERNAL://127.0.0.1:%2$d,CONTROLLER://127.0.0.1:%3$d
                advertised.listeners=CLIENT://127.0.0.1:%1$d,INTERNAL://127.0.0.1:%2$d
                inter.broker.listener.name=INTERNAL
                listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
                sasl.enabled.mechanisms=SCRAM-SHA-256
                listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-256
                listener.name.client.scram-sha-256.sasl.jaas.config=\
                org.apache.kafka.common.security.scram.ScramLoginModule required;
                """.formatted(clientPort, internalPort, controllerPort));
        return out.toString();
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
