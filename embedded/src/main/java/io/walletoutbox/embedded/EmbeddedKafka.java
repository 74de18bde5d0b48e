package io.walletoutbox.embedded;

import io.walletoutbox.embedded.internal.KafkaNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SaslConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apache Kafka's own broker, single node, KRaft mode (broker and controller in one process), run as a child
 * JVM from this JVM's class path. The child watches its parent and exits when the parent dies, so even a
 * {@code kill -9} of the parent leaves no broker behind. Data (the log directory) is kept in a directory.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

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
                if (port != 0 || attempt >= 3 || !KafkaNodes.lostPortRace(directory.toAbsolutePath())) {
                    throw e;
                }
            }
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
            int brokerPort = port == 0 ? LoopbackPorts.free() : port;
            int controllerPort = LoopbackPorts.free();
            // A SCRAM broker also listens, without authentication, on a port it does not hand to clients: the
            // fixture's own way in to set the credentials (which live in the cluster's metadata) once it runs.
            int internalPort = scram ? LoopbackPorts.free() : brokerPort;
            Path props = dir.resolve("server.properties");
            Files.writeString(
                    props,
                    scram
                            ? scramServerProperties(logDir, brokerPort, internalPort, controllerPort)
                            : serverProperties(logDir, brokerPort, controllerPort));
            Path logback = KafkaNodes.writeLogback(dir);
            KafkaNodes.formatIfNew(
                    dir, logDir, logback, props, Uuid.randomUuid().toString());
            Process process = KafkaNodes.launch(dir, logback, props, "256m", "768m");
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
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                if (scram) {
                    String internal = "127.0.0.1:" + internalPort;
                    kafka.awaitReady(internal, Map.of(), deadline);
                    upsertScramCredential(internal, user, password);
                }
                // For a SCRAM broker: until the credential reached the broker's cache, authentication fails.
                kafka.awaitReady(kafka.bootstrapServers(), clientProperties, deadline);
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

    /** Waits until an admin client of {@code bootstrap} with {@code extra} properties sees the broker. */
    private void awaitReady(String bootstrap, Map<String, Object> extra, long deadline) {
        KafkaNodes.awaitNodes(
                bootstrap,
                extra,
                deadline,
                nodes -> !nodes.isEmpty(),
                () -> process.isAlive()
                        ? Optional.empty()
                        : Optional.of("Kafka broker exited with code " + process.exitValue() + "; see "
                                + directory.resolve("broker.out")),
                "Kafka broker");
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

    private static String serverProperties(Path logDir, int brokerPort, int controllerPort) {
        return KafkaNodes.serverProperties(
                new KafkaNodes.NodeSpec(1, "1@127.0.0.1:" + controllerPort, brokerPort, controllerPort),
                logDir,
                new KafkaNodes.Replication(1, 1, true));
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
}
