package io.walletoutbox.embedded;

import io.walletoutbox.embedded.internal.InfraProbe;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The PostgreSQL server and Kafka cluster a benchmark runs on: the user's own when the environment names them, as
 * the service reads them ({@code DATABASE_URL}, {@code DATABASE_USER}, {@code DATABASE_PASSWORD}, {@code
 * KAFKA_BOOTSTRAP_SERVERS}, {@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_*}, {@code KAFKA_SSL_*}, {@code
 * KAFKA_CLIENT_PROPERTIES_FILE}; a secret also from {@code NAME_FILE}), and then nothing embedded starts; else the
 * JVM's {@link SharedInfrastructure}. Setting one of {@code DATABASE_URL} and {@code KAFKA_BOOTSTRAP_SERVERS} without
 * the other is refused.
 *
 * <p>Either way a benchmark takes databases ({@link #newDatabase}) and topics ({@link #newTopic}) of its own, with
 * names unique to the run, so that runs may share a server. On an external server the user of {@code DATABASE_URL}
 * needs {@code CREATEDB} (and {@code REPLICATION} for the CDC relay); the databases this JVM created are dropped when
 * it exits, the topics are left. {@link #describe()} gives the machine-readable {@code INFRA} line every benchmark
 * prints.
 */
public final class BenchInfrastructure {
    private static final Map<String, String> KAFKA_SETTINGS = Map.of(
            "KAFKA_SECURITY_PROTOCOL", "security.protocol",
            "KAFKA_SASL_MECHANISM", "sasl.mechanism",
            "KAFKA_SASL_JAAS_CONFIG", "sasl.jaas.config",
            "KAFKA_SSL_TRUSTSTORE_LOCATION", "ssl.truststore.location",
            "KAFKA_SSL_TRUSTSTORE_PASSWORD", "ssl.truststore.password",
            "KAFKA_SSL_KEYSTORE_LOCATION", "ssl.keystore.location",
            "KAFKA_SSL_KEYSTORE_PASSWORD", "ssl.keystore.password",
            "KAFKA_SSL_KEY_PASSWORD", "ssl.key.password");

    private final SharedInfrastructure embedded;
    private final String serverUrl;
    private final String user;
    private final String password;
    private final String bootstrap;
    private final Map<String, Object> kafkaSecurity;
    private final List<String> created = Collections.synchronizedList(new ArrayList<>());

    private BenchInfrastructure(
            SharedInfrastructure embedded,
            String serverUrl,
            String user,
            String password,
            String bootstrap,
            Map<String, Object> kafkaSecurity) {
        this.embedded = embedded;
        this.serverUrl = serverUrl;
        this.user = user;
        this.password = password;
        this.bootstrap = bootstrap;
        this.kafkaSecurity = Map.copyOf(kafkaSecurity);
    }

    /**
     * The infrastructure the environment names, or the embedded one (started on this call) when it names none.
     *
     * @throws IllegalArgumentException when only one of {@code DATABASE_URL} and {@code KAFKA_BOOTSTRAP_SERVERS} is
     *     set, or a {@code KAFKA_CLIENT_PROPERTIES_FILE} or secret file cannot be read
     */
    public static BenchInfrastructure fromEnvironment() {
        return from(System.getenv());
    }

    static BenchInfrastructure from(Map<String, String> env) {
        String url = setting(env, "DATABASE_URL");
        String kafka = setting(env, "KAFKA_BOOTSTRAP_SERVERS");
        if (url.isEmpty() && kafka.isEmpty()) {
            var shared = SharedInfrastructure.get();
            return new BenchInfrastructure(shared, null, shared.user(), "", shared.bootstrapServers(), Map.of());
        }
        if (url.isEmpty() || kafka.isEmpty()) {
            throw new IllegalArgumentException("set both DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS (or neither, for"
                    + " the embedded PostgreSQL and broker); only "
                    + (url.isEmpty() ? "KAFKA_BOOTSTRAP_SERVERS" : "DATABASE_URL") + " is set");
        }
        String user = setting(env, "DATABASE_USER");
        var infra = new BenchInfrastructure(
                null,
                url,
                user.isEmpty() ? "postgres" : user,
                setting(env, "DATABASE_PASSWORD"),
                kafka,
                kafkaSecurity(env));
        Runtime.getRuntime().addShutdownHook(new Thread(infra::dropDatabases, "bench-infrastructure-drop"));
        return infra;
    }

    /** Whether this is the environment's infrastructure ({@code true}) or the embedded one. */
    public boolean external() {
        return embedded == null;
    }

    /**
     * Creates a fresh, empty database whose name starts with {@code prefix} (lower-cased, unique to this run) and
     * returns its JDBC URL (the server's URL with the database replaced, its parameters kept); log in with {@link
     * #user()} and {@link #password()}.
     */
    public String newDatabase(String prefix) {
        if (embedded != null) {
            return embedded.newDatabase(prefix);
        }
        String base = prefix.toLowerCase().replaceAll("[^a-z0-9_]", "_");
        String name = (base.length() > 40 ? base.substring(0, 40) : base) + "_"
                + UUID.randomUUID().toString().substring(0, 8);
        if (!Character.isLetter(name.charAt(0))) {
            name = "d" + name;
        }
        try (Connection c = DriverManager.getConnection(serverUrl, user, password);
                var s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name); // an identifier made of [a-z0-9_] above, never user text
        } catch (SQLException e) {
            throw new EmbeddedInfrastructureException(
                    "could not create database " + name + " on " + serverUrl + " (the user needs CREATEDB)", e);
        }
        created.add(name);
        return withDatabase(serverUrl, name);
    }

    /** The database user of {@link #newDatabase} URLs. */
    public String user() {
        return user;
    }

    /** Its password (empty for the embedded superuser). */
    public String password() {
        return password;
    }

    /** {@code bootstrap.servers} of the broker or cluster. */
    public String bootstrapServers() {
        return bootstrap;
    }

    /**
     * The client properties every producer, consumer and admin client needs besides {@code bootstrap.servers}:
     * {@code KAFKA_CLIENT_PROPERTIES_FILE}, then the security settings on top; empty for the embedded broker.
     */
    public Map<String, Object> kafkaSettings() {
        return kafkaSecurity;
    }

    /** {@code bootstrap.servers} and {@link #kafkaSettings()}, for an admin client. */
    public Map<String, Object> adminSettings() {
        var settings = new HashMap<String, Object>(kafkaSecurity);
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return settings;
    }

    /**
     * Creates a topic named {@code prefix-<unique>} with {@code partitions} partitions and the cluster's default
     * replication factor, and returns the name.
     */
    public String newTopic(String prefix, int partitions) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(adminSettings())) {
            admin.createTopics(
                            List.of(new NewTopic(name, java.util.Optional.of(partitions), java.util.Optional.empty())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new EmbeddedInfrastructureException("could not create topic " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedInfrastructureException("interrupted", e);
        }
        return name;
    }

    /**
     * The machine-readable line naming this infrastructure: {@code INFRA stack=<embedded|external>
     * postgres="<version()>" settings="<name=value,…>" kafka="<metadata.version>" brokers=<n>}, the settings being
     * the server's non-default ones ({@code pg_settings} whose source is not {@code default}, {@code override},
     * {@code client} or {@code session}).
     */
    public String describe() {
        String url = embedded != null ? embedded.postgres().jdbcUrl("postgres") : serverUrl;
        return describe(external() ? "external" : "embedded", url, user, password, adminSettings());
    }

    /**
     * The {@code INFRA} line of the server of {@code jdbcUrl} and the cluster of {@code adminSettings}; see {@link
     * #describe()}. A part that cannot be read is {@code ?}.
     */
    public static String describe(
            String stack, String jdbcUrl, String user, String password, Map<String, Object> adminSettings) {
        return "INFRA stack=" + stack + " " + InfraProbe.postgres(jdbcUrl, user, password) + " "
                + InfraProbe.kafka(adminSettings);
    }

    /**
     * Prints the {@code INFRA} line of {@code DATABASE_URL} and {@code KAFKA_BOOTSTRAP_SERVERS} (with the security
     * settings) from the environment, for the bench scripts; the argument names the stack ({@code embedded} or
     * {@code external}). Without {@code KAFKA_BOOTSTRAP_SERVERS} the line says {@code kafka="-"}.
     */
    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        String user = setting(env, "DATABASE_USER");
        var admin = new HashMap<String, Object>(kafkaSecurity(env));
        String bootstrap = setting(env, "KAFKA_BOOTSTRAP_SERVERS");
        if (!bootstrap.isEmpty()) { // none: a run without Kafka (the api role alone), kafka="-"
            admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        }
        System.out.println(describe(
                args.length > 0 ? args[0] : "external",
                Objects.requireNonNull(env.get("DATABASE_URL"), "DATABASE_URL"),
                user.isEmpty() ? "postgres" : user,
                setting(env, "DATABASE_PASSWORD"),
                admin));
    }

    /** {@code jdbc:postgresql://hosts/db?params} with {@code database} instead of {@code db}. */
    static String withDatabase(String url, String database) {
        int hosts = url.indexOf("//");
        int slash = url.indexOf('/', hosts + 2);
        if (hosts < 0 || slash < 0) {
            throw new IllegalArgumentException("not a jdbc:postgresql://host[:port]/database URL: " + url);
        }
        int query = url.indexOf('?', slash);
        return url.substring(0, slash + 1) + database + (query < 0 ? "" : url.substring(query));
    }

    private void dropDatabases() {
        if (created.isEmpty()) {
            return;
        }
        try (Connection c = DriverManager.getConnection(serverUrl, user, password)) {
            for (String name : List.copyOf(created)) {
                try (var slots = c.prepareStatement("""
                                SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
                                 WHERE database = ? AND active_pid IS NOT NULL""");
                        var drop = c.prepareStatement("""
                                SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                                 WHERE database = ?""");
                        var s = c.createStatement()) {
                    slots.setString(1, name);
                    slots.execute();
                    drop.setString(1, name);
                    drop.execute();
                    s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                } catch (SQLException e) {
                    System.err.println("bench: could not drop database " + name + ": " + e.getMessage());
                }
            }
        } catch (SQLException e) {
            System.err.println("bench: could not drop the databases " + created + ": " + e.getMessage());
        }
    }

    /**
     * The Kafka client properties {@code env} names besides {@code bootstrap.servers}, as the service reads them:
     * {@code KAFKA_CLIENT_PROPERTIES_FILE}, then {@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_*} and {@code
     * KAFKA_SSL_*} on top; empty when none is set.
     */
    public static Map<String, Object> kafkaSettings(Map<String, String> env) {
        return kafkaSecurity(env);
    }

    private static Map<String, Object> kafkaSecurity(Map<String, String> env) {
        var settings = new LinkedHashMap<String, Object>();
        String file = setting(env, "KAFKA_CLIENT_PROPERTIES_FILE");
        if (!file.isEmpty()) {
            var properties = new Properties();
            try (Reader in = Files.newBufferedReader(Path.of(file))) {
                properties.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read KAFKA_CLIENT_PROPERTIES_FILE " + file, e);
            }
            properties.forEach((k, v) -> settings.put((String) k, v));
        }
        KAFKA_SETTINGS.forEach((name, property) -> {
            String value = setting(env, name);
            if (!value.isEmpty()) {
                settings.put(property, value);
            }
        });
        return settings;
    }

    /** The value of {@code name}, or the content of the file {@code name_FILE} names (a secret), or "". */
    private static String setting(Map<String, String> env, String name) {
        String value = env.getOrDefault(name, "").strip();
        String file = env.getOrDefault(name + "_FILE", "").strip();
        if (value.isEmpty() && !file.isEmpty()) {
            try {
                return Files.readString(Path.of(file)).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + name + "_FILE " + file, e);
            }
        }
        return value;
    }
}
