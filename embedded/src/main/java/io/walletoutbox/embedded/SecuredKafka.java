package io.walletoutbox.embedded;

import io.walletoutbox.embedded.internal.KafkaNodes;
import io.walletoutbox.embedded.internal.SelfSignedStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apache Kafka's own broker, single node, KRaft, locked down the way a production cluster is: clients connect over
 * TLS and authenticate with SASL/{@value #MECHANISM} ({@value #PROTOCOL}); the broker's own traffic (inter-broker
 * and controller listeners) is mutual TLS with its certificate, whose principal {@value #BROKER_PRINCIPAL} is a super
 * user; {@code StandardAuthorizer} with {@code allow.everyone.if.no.acl.found=false} refuses everything no ACL
 * allows. The users and their SCRAM credentials are written into the metadata when the log is formatted ({@code
 * kafka-storage format --add-scram}); the user {@value #ADMIN} is a super user and creates the ACLs. A self-signed
 * certificate for {@code localhost} and {@code 127.0.0.1} is generated with the JDK's {@code keytool}.
 *
 * <p>A client connects with {@link #clientProperties(String)}; the service with {@link #serviceEnvironment(String)}.
 */
public final class SecuredKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SecuredKafka.class);

    /** The SASL mechanism of the client listener. */
    public static final String MECHANISM = "SCRAM-SHA-512";

    /** The security protocol of the client listener. */
    public static final String PROTOCOL = "SASL_SSL";

    /** The super user who creates ACLs and topics. */
    public static final String ADMIN = "admin";

    /** The principal of the broker's certificate (inter-broker and controller traffic), a super user. */
    public static final String BROKER_PRINCIPAL = "User:CN=kafka-broker";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final Process process;
    private final int port;
    private final Path directory;
    private final SelfSignedStores.Stores stores;
    private final Map<String, String> passwords;

    private SecuredKafka(
            Process process, int port, Path directory, SelfSignedStores.Stores stores, Map<String, String> passwords) {
        this.process = process;
        this.port = port;
        this.directory = directory;
        this.stores = stores;
        this.passwords = Map.copyOf(passwords);
    }

    /**
     * Formats a new log in {@code directory} (which must not hold one) with a SCRAM credential for {@value #ADMIN}
     * and for each of {@code users} (random passwords), starts the broker and waits until {@value #ADMIN} can
     * describe the cluster.
     *
     * @param users user names besides {@value #ADMIN}: letters, digits, {@code . _ -}; at most 64
     * @throws EmbeddedInfrastructureException when it does not answer within two minutes
     */
    public static SecuredKafka start(Path directory, List<String> users) {
        Objects.requireNonNull(directory, "directory");
        Map<String, String> passwords = new LinkedHashMap<>();
        passwords.put(ADMIN, password());
        for (String user : users) {
            if (!NAME.matcher(user).matches() || user.equals(ADMIN)) {
                throw new IllegalArgumentException(
                        "a user name is 1 to 64 of A-Z a-z 0-9 . _ - and not admin: " + user);
            }
            passwords.put(user, password());
        }
        Path dir = directory.toAbsolutePath();
        try {
            Path logDir = dir.resolve("log");
            if (Files.exists(logDir.resolve("meta.properties"))) {
                throw new IllegalArgumentException(dir + " holds a formatted log already: take a new directory");
            }
            Files.createDirectories(logDir);
            SelfSignedStores.Stores stores = SelfSignedStores.selfSigned(dir.resolve("tls"), "CN=kafka-broker");
            int clientPort = LoopbackPorts.free();
            int internalPort = LoopbackPorts.free();
            int controllerPort = LoopbackPorts.free();
            Path props = dir.resolve("server.properties");
            Files.writeString(props, serverProperties(logDir, stores, clientPort, internalPort, controllerPort));
            Path logback = KafkaNodes.writeLogback(dir);
            List<String> scram = new ArrayList<>();
            passwords.forEach((user, password) -> {
                scram.add("--add-scram");
                scram.add(MECHANISM + "=[name=" + user + ",password=" + password + "]");
            });
            KafkaNodes.formatIfNew(
                    dir, logDir, logback, props, Uuid.randomUuid().toString(), scram);
            Process process = KafkaNodes.launch(dir, logback, props, "256m", "768m");
            var kafka = new SecuredKafka(process, clientPort, dir, stores, passwords);
            try {
                KafkaNodes.awaitNodes(
                        kafka.bootstrapServers(),
                        kafka.clientProperties(ADMIN),
                        System.nanoTime() + Duration.ofMinutes(2).toNanos(),
                        nodes -> !nodes.isEmpty(),
                        () -> process.isAlive()
                                ? Optional.empty()
                                : Optional.of("Kafka broker exited with code " + process.exitValue() + "; see "
                                        + dir.resolve("broker.out")),
                        "secured Kafka broker");
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
            return kafka;
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException("secured Kafka broker did not start in " + dir + ": " + e, e);
        }
    }

    /** {@code host:port} of the client listener ({@value #PROTOCOL}). */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The truststore (PKCS12) that holds the broker's certificate. */
    public Path truststore() {
        return stores.truststore();
    }

    /** The password of {@link #truststore()}. */
    public String truststorePassword() {
        return stores.password();
    }

    /**
     * What a Kafka client authenticating as {@code user} adds to its configuration: {@code security.protocol},
     * {@code sasl.mechanism}, {@code sasl.jaas.config} (with the credentials) and the truststore.
     */
    public Map<String, Object> clientProperties(String user) {
        Map<String, Object> props = new LinkedHashMap<>();
        serviceEnvironment(user).forEach((setting, value) -> {
            if (!setting.equals("KAFKA_BOOTSTRAP_SERVERS")) {
                props.put(
                        setting.substring("KAFKA_".length())
                                .toLowerCase(java.util.Locale.ROOT)
                                .replace('_', '.'),
                        value);
            }
        });
        return props;
    }

    /**
     * The service's settings (environment variables) that make it connect as {@code user}: {@code
     * KAFKA_BOOTSTRAP_SERVERS}, {@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_MECHANISM}, {@code
     * KAFKA_SASL_JAAS_CONFIG}, {@code KAFKA_SSL_TRUSTSTORE_LOCATION} and {@code KAFKA_SSL_TRUSTSTORE_PASSWORD}.
     */
    public Map<String, String> serviceEnvironment(String user) {
        String password = passwords.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no such user: " + user);
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers());
        env.put("KAFKA_SECURITY_PROTOCOL", PROTOCOL);
        env.put("KAFKA_SASL_MECHANISM", MECHANISM);
        env.put("KAFKA_SASL_JAAS_CONFIG", EmbeddedKafka.scramJaasConfig(user, password));
        env.put("KAFKA_SSL_TRUSTSTORE_LOCATION", stores.truststore().toString());
        env.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", stores.password());
        return env;
    }

    /** Stops the broker (SIGTERM, a controlled shutdown) and waits for it; kills it after 30 seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                log.warn("secured Kafka broker did not stop in 30 s; killing it");
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String password() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    /**
     * CLIENT: SASL_SSL with SCRAM, no client certificate; INTERNAL (inter-broker) and CONTROLLER: TLS with a required
     * client certificate, the broker's own. The SCRAM server needs a JAAS entry on its listener, without options: it
     * checks clients against the credentials in the metadata.
     */
    private static String serverProperties(
            Path logDir, SelfSignedStores.Stores stores, int clientPort, int internalPort, int controllerPort) {
        String plain = KafkaNodes.serverProperties(
                new KafkaNodes.NodeSpec(1, "1@127.0.0.1:" + controllerPort, clientPort, controllerPort),
                logDir,
                new KafkaNodes.Replication(1, 1, false));
        StringBuilder out = new StringBuilder();
        for (String line : plain.split("\n")) {
            if (!line.startsWith("listeners=")
                    && !line.startsWith("advertised.listeners=")
                    && !line.startsWith("inter.broker.listener.name=")
                    && !line.startsWith("listener.security.protocol.map=")) {
                out.append(line).append('\n');
            }
        }
        out.append("""
                listeners=CLIENT://127.0.0.1:%1$d,INTERNAL://127.0.0.1:%2$d,CONTROLLER://127.0.0.1:%3$d
                advertised.listeners=CLIENT://127.0.0.1:%1$d,INTERNAL://127.0.0.1:%2$d
                inter.broker.listener.name=INTERNAL
                listener.security.protocol.map=CLIENT:SASL_SSL,INTERNAL:SSL,CONTROLLER:SSL
                sasl.enabled.mechanisms=%4$s
                listener.name.client.sasl.enabled.mechanisms=%4$s
                listener.name.client.%5$s.sasl.jaas.config=\
                org.apache.kafka.common.security.scram.ScramLoginModule required;
                listener.name.internal.ssl.client.auth=required
                listener.name.controller.ssl.client.auth=required
                ssl.keystore.type=PKCS12
                ssl.keystore.location=%6$s
                ssl.keystore.password=%8$s
                ssl.key.password=%8$s
                ssl.truststore.type=PKCS12
                ssl.truststore.location=%7$s
                ssl.truststore.password=%8$s
                authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
                allow.everyone.if.no.acl.found=false
                super.users=%9$s;User:%10$s
                """.formatted(
                        clientPort,
                        internalPort,
                        controllerPort,
                        MECHANISM,
                        MECHANISM.toLowerCase(java.util.Locale.ROOT),
                        stores.keystore().toString().replace("\\", "/"),
                        stores.truststore().toString().replace("\\", "/"),
                        stores.password(),
                        BROKER_PRINCIPAL,
                        ADMIN));
        return out.toString();
    }
}
