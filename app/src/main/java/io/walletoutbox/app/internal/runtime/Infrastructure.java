package io.walletoutbox.app.internal.runtime;

import io.walletoutbox.app.internal.config.AppConfig;

/**
 * Where PostgreSQL and Kafka are: external addresses from the configuration, or embedded servers started under
 * {@code DATA_DIR} (PostgreSQL in {@code postgres/}, database {@code wallet}; the broker in {@code kafka/}, only for
 * an instance whose roles use Kafka: {@code bootstrapServers} is empty for an api-only one without an external one).
 * The embedded servers are reached through {@link EmbeddedServers} only when one starts ({@link EmbeddedRuntime}).
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
        boolean embeddedKafka = config.kafkaBootstrapServers().isEmpty() && config.usesKafka();
        if (config.databaseUrl().isEmpty() || embeddedKafka) {
            closer.register(EmbeddedServers.lock(config.dataDir()));
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
            jdbcUrl = EmbeddedServers.startPostgres(config.dataDir().resolve("postgres"), EMBEDDED_DATABASE, closer);
            user = EmbeddedServers.postgresUser();
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
            bootstrap = EmbeddedServers.startKafka(config.dataDir().resolve("kafka"), closer);
        }
        return new Infrastructure(
                jdbcUrl, user, password, bootstrap, config.databaseUrl().isEmpty(), embeddedKafka);
    }
}
