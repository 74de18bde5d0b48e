package io.walletoutbox.app.internal.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The service's configuration, from environment variables and the same names as command-line flags ({@code
 * DATABASE_URL} ↔ {@code --database-url}); flags win. Validated here, so a bad value stops the start with one
 * clear line. Absent addresses mean "start it embedded".
 *
 * @param databaseUrl JDBC URL of an external PostgreSQL; empty → embedded
 * @param kafkaBootstrapServers an external Kafka; empty → embedded broker
 * @param providerBaseUrl the biller's base URL; empty → the simulator is started in-process
 * @param httpPort port of the HTTP API, metrics and health (0 = any free port)
 * @param dataDir where embedded PostgreSQL and Kafka keep their data
 * @param roles what this instance runs
 * @param relayMode how outbox events reach Kafka
 * @param logFormat {@code text} or {@code json}
 * @param idempotencyRetention how long Idempotency-Keys and their responses are kept
 */
public record AppConfig(
        Optional<String> databaseUrl,
        String databaseUser,
        String databasePassword,
        Optional<String> kafkaBootstrapServers,
        Optional<URI> providerBaseUrl,
        int httpPort,
        Path dataDir,
        Set<Role> roles,
        RelayMode relayMode,
        String eventsTopic,
        int topicPartitions,
        String logFormat,
        java.time.Duration idempotencyRetention) {

    /** What an instance runs; one jar, any subset. */
    public enum Role {
        API,
        RELAY,
        CONSUMER
    }

    /** How the relay reads the outbox. */
    public enum RelayMode {
        POLLING,
        CDC
    }

    /** Every setting: its name (environment variable; the flag is the kebab-case of it), default and meaning. */
    public enum Setting {
        DATABASE_URL("", "JDBC URL of PostgreSQL (jdbc:postgresql://host:5432/db); unset: embedded PostgreSQL"),
        DATABASE_USER("postgres", "database user"),
        DATABASE_PASSWORD("", "database password"),
        KAFKA_BOOTSTRAP_SERVERS("", "Kafka bootstrap servers (host:port,…); unset: embedded broker"),
        PROVIDER_BASE_URL("", "base URL of the biller API; unset: the biller simulator runs in-process"),
        HTTP_PORT("8080", "port of the HTTP API, /metrics and /health"),
        DATA_DIR("./data", "directory of the embedded PostgreSQL and Kafka data"),
        ROLES("api,relay,consumer", "what this instance runs: any of api, relay, consumer"),
        RELAY_MODE("polling", "polling (outbox table, SKIP LOCKED shard leases) or cdc (write-ahead log)"),
        EVENTS_TOPIC("wallet.events", "Kafka topic of wallet events"),
        TOPIC_PARTITIONS("8", "partitions of the events topic when the service creates it"),
        LOG_FORMAT("text", "log format: text or json"),
        IDEMPOTENCY_RETENTION_HOURS("24", "hours an Idempotency-Key and its response are kept (1 to 720)");

        final String fallback;
        final String description;

        Setting(String fallback, String description) {
            this.fallback = fallback;
            this.description = description;
        }

        /** The command-line flag of this setting. */
        public String flag() {
            return "--" + name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public String fallback() {
            return fallback;
        }

        public String description() {
            return description;
        }
    }

    public AppConfig {
        Objects.requireNonNull(databaseUrl);
        Objects.requireNonNull(kafkaBootstrapServers);
        Objects.requireNonNull(providerBaseUrl);
        roles = Set.copyOf(roles);
        if (roles.isEmpty()) {
            throw new ConfigException("ROLES must name at least one of api, relay, consumer");
        }
    }

    /** Reads the configuration: {@code args} (flags) over {@code env} over defaults. */
    public static AppConfig load(Map<String, String> env, String[] args) {
        Map<Setting, String> values = new java.util.EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            String v = env.get(s.name());
            if (v != null && !v.isBlank()) {
                values.put(s, v.trim());
            }
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            Setting setting = byFlag(name);
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new ConfigException(name + " needs a value");
                }
                value = args[++i];
            }
            values.put(setting, value.trim());
        }
        return new AppConfig(
                Optional.ofNullable(values.get(Setting.DATABASE_URL)).map(AppConfig::checkDatabaseUrl),
                get(values, Setting.DATABASE_USER),
                get(values, Setting.DATABASE_PASSWORD),
                Optional.ofNullable(values.get(Setting.KAFKA_BOOTSTRAP_SERVERS)).map(AppConfig::checkBootstrap),
                Optional.ofNullable(values.get(Setting.PROVIDER_BASE_URL)).map(AppConfig::checkBaseUrl),
                port(get(values, Setting.HTTP_PORT)),
                Path.of(get(values, Setting.DATA_DIR)),
                roles(get(values, Setting.ROLES)),
                relayMode(get(values, Setting.RELAY_MODE)),
                topic(get(values, Setting.EVENTS_TOPIC)),
                partitions(get(values, Setting.TOPIC_PARTITIONS)),
                logFormat(get(values, Setting.LOG_FORMAT)),
                retention(get(values, Setting.IDEMPOTENCY_RETENTION_HOURS)));
    }

    /** True when this instance runs {@code role}. */
    public boolean runs(Role role) {
        return roles.contains(role);
    }

    private static String get(Map<Setting, String> values, Setting s) {
        return values.getOrDefault(s, s.fallback);
    }

    private static Setting byFlag(String flag) {
        return Arrays.stream(Setting.values())
                .filter(s -> s.flag().equals(flag))
                .findFirst()
                .orElseThrow(() -> new ConfigException("unknown option " + flag + " (options: "
                        + String.join(
                                ", ",
                                Arrays.stream(Setting.values())
                                        .map(Setting::flag)
                                        .toList()) + ")"));
    }

    private static String checkDatabaseUrl(String url) {
        if (!url.matches("jdbc:postgresql://[^/\\s]+(/[^\\s?]*)?(\\?\\S*)?")) {
            throw new ConfigException(
                    "DATABASE_URL must be a JDBC URL such as jdbc:postgresql://localhost:5432/wallet, was '"
                            + url.replaceAll("password=[^&]*", "password=***") + "'");
        }
        return url;
    }

    private static String checkBootstrap(String servers) {
        for (String server : servers.split(",")) {
            if (!server.trim().matches("[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}")) {
                throw new ConfigException(
                        "KAFKA_BOOTSTRAP_SERVERS must be host:port[,host:port…], was '" + servers + "'");
            }
        }
        return servers;
    }

    private static URI checkBaseUrl(String url) {
        try {
            URI uri = URI.create(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    "PROVIDER_BASE_URL must be an http(s) URL such as http://localhost:8081, was '" + url + "'");
        }
    }

    private static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new ConfigException("HTTP_PORT must be a port number 0..65535, was '" + value + "'");
        }
    }

    private static Set<Role> roles(String value) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String part : value.split(",")) {
            String name = part.trim().toUpperCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            try {
                roles.add(Role.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(
                        "ROLES must be a comma-separated subset of api,relay,consumer, was '" + value + "'");
            }
        }
        return roles;
    }

    private static RelayMode relayMode(String value) {
        try {
            return RelayMode.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("RELAY_MODE must be polling or cdc, was '" + value + "'");
        }
    }

    private static String topic(String value) {
        if (!value.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new ConfigException("EVENTS_TOPIC must be a Kafka topic name, was '" + value + "'");
        }
        return value;
    }

    private static int partitions(String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 1 || n > 1000) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException("TOPIC_PARTITIONS must be 1..1000, was '" + value + "'");
        }
    }

    private static java.time.Duration retention(String value) {
        try {
            int hours = Integer.parseInt(value);
            if (hours < 1 || hours > 720) {
                throw new NumberFormatException();
            }
            return java.time.Duration.ofHours(hours);
        } catch (NumberFormatException e) {
            throw new ConfigException("IDEMPOTENCY_RETENTION_HOURS must be 1..720, was '" + value + "'");
        }
    }

    private static String logFormat(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        if (!v.equals("text") && !v.equals("json")) {
            throw new ConfigException("LOG_FORMAT must be text or json, was '" + value + "'");
        }
        return v;
    }
}
