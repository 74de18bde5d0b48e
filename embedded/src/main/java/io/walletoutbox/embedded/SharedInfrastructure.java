package io.walletoutbox.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * One real PostgreSQL and one real Kafka broker per JVM, started on first use and stopped when the JVM exits;
 * for the integration tests. Each test class takes its own database ({@link #newDatabase}) and its own topics
 * ({@link #newTopic}), so classes never see each other's data.
 */
public final class SharedInfrastructure {
    private static volatile SharedInfrastructure instance;
    private static final AtomicInteger counter = new AtomicInteger();

    private final Path root;
    private final EmbeddedPostgres postgres;
    private final EmbeddedKafka kafka;

    private SharedInfrastructure(Path root, EmbeddedPostgres postgres, EmbeddedKafka kafka) {
        this.root = root;
        this.postgres = postgres;
        this.kafka = kafka;
    }

    /** The JVM's shared infrastructure, started on the first call (PostgreSQL and the broker in parallel). */
    public static SharedInfrastructure get() {
        SharedInfrastructure s = instance;
        if (s == null) {
            synchronized (SharedInfrastructure.class) {
                s = instance;
                if (s == null) {
                    s = start();
                    instance = s;
                }
            }
        }
        return s;
    }

    private static SharedInfrastructure start() {
        try {
            Path root = Files.createTempDirectory("wallet-outbox-test-");
            var pgHolder = new EmbeddedPostgres[1];
            var pgError = new RuntimeException[1];
            Thread pgStart = Thread.ofPlatform().start(() -> {
                try {
                    pgHolder[0] = EmbeddedPostgres.start(root.resolve("postgres"), 0);
                } catch (RuntimeException e) {
                    pgError[0] = e;
                }
            });
            EmbeddedKafka kafka;
            try {
                kafka = EmbeddedKafka.start(root.resolve("kafka"), 0);
            } finally {
                pgStart.join();
            }
            if (pgError[0] != null) {
                kafka.close();
                throw pgError[0];
            }
            var infra = new SharedInfrastructure(root, pgHolder[0], kafka);
            Runtime.getRuntime().addShutdownHook(new Thread(infra::stop, "shared-infrastructure-stop"));
            return infra;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedInfrastructureException("interrupted while starting the shared infrastructure", e);
        }
    }

    private void stop() {
        try {
            kafka.close();
        } finally {
            postgres.close();
            deleteRecursively(root);
        }
    }

    /** Creates a fresh, empty database and returns its JDBC URL; user {@link #user()}, empty password. */
    public String newDatabase(String prefix) {
        String name = (prefix.toLowerCase().replaceAll("[^a-z0-9_]", "_") + "_" + counter.incrementAndGet());
        if (name.length() > 60) {
            name = name.substring(name.length() - 60);
        }
        if (!Character.isLetter(name.charAt(0))) {
            name = "d" + name.substring(1);
        }
        postgres.createDatabaseIfAbsent(name);
        return postgres.jdbcUrl(name);
    }

    /** The database user of {@link #newDatabase} URLs (a superuser; its password is empty). */
    public String user() {
        return EmbeddedPostgres.USER;
    }

    /** The embedded PostgreSQL server. */
    public EmbeddedPostgres postgres() {
        return postgres;
    }

    /** The embedded broker. */
    public EmbeddedKafka kafka() {
        return kafka;
    }

    /** {@code bootstrap.servers} of the shared broker. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Creates a topic with a unique name starting with {@code prefix} and returns the name. */
    public String newTopic(String prefix, int partitions) {
        String name = prefix + "-" + counter.incrementAndGet();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new EmbeddedInfrastructureException("could not create topic " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedInfrastructureException("interrupted", e);
        }
        return name;
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
