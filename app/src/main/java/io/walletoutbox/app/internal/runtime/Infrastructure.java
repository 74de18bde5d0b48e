package io.walletoutbox.app.internal.runtime;

import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.embedded.DataDirectoryLock;
import io.walletoutbox.embedded.EmbeddedKafka;
import io.walletoutbox.embedded.EmbeddedPostgres;

/**
 * Where PostgreSQL and Kafka are: external addresses from the configuration, or embedded servers started under
 * {@code DATA_DIR} (PostgreSQL in {@code postgres/}, database {@code wallet}; the broker in {@code kafka/}, only for
 * an instance whose roles use Kafka: {@code bootstrapServers} is empty for an api-only one without an external one).
 */
record Infrastructure(
        String jdbcUrl,
        String user,
        String password,
        String bootstrapServers,
        boolean embeddedDatabase,
        boolean embeddedKafka) {
    static final String EMBEDDED_DATABASE = "wallet";

    static Infrastructure resolve(AppConfig config, Closer closer, java.io.PrintStream out) {
        if (config.databaseUrl().isEmpty() || config.kafkaBootstrapServers().isEmpty()) {
            closer.register(DataDirectoryLock.acquire(config.dataDir()));
        }
        String jdbcUrl;
        String user;
        String password;
        if (config.databaseUrl().isPresent()) {
            jdbcUrl = config.databaseUrl().get();
            user = config.databaseUser();
            password = config.databasePassword();
        } else {
            out.println("starting embedded PostgreSQL in "
                    + config.dataDir().resolve("postgres").toAbsolutePath().normalize() + " …");
            EmbeddedPostgres pg =
                    closer.register(EmbeddedPostgres.start(config.dataDir().resolve("postgres"), 0));
            pg.createDatabaseIfAbsent(EMBEDDED_DATABASE);
            jdbcUrl = pg.jdbcUrl(EMBEDDED_DATABASE);
            user = EmbeddedPostgres.USER;
            password = "";
        }
        String bootstrap;
        if (config.kafkaBootstrapServers().isPresent()) {
            bootstrap = config.kafkaBootstrapServers().get();
        } else if (!config.usesKafka()) {
            bootstrap = ""; // an api-only instance talks to no broker: none is started for it
        } else {
            out.println("starting embedded Kafka broker in "
                    + config.dataDir().resolve("kafka").toAbsolutePath().normalize() + " …");
            EmbeddedKafka kafka =
                    closer.register(EmbeddedKafka.start(config.dataDir().resolve("kafka"), 0));
            bootstrap = kafka.bootstrapServers();
        }
        return new Infrastructure(
                jdbcUrl,
                user,
                password,
                bootstrap,
                config.databaseUrl().isEmpty(),
                config.kafkaBootstrapServers().isEmpty() && config.usesKafka());
    }
}
