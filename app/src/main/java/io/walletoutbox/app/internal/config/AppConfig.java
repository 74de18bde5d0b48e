package io.walletoutbox.app.internal.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The service's configuration, from environment variables and the same names as command-line flags ({@code
 * DATABASE_URL} ↔ {@code --database-url}); flags win. Validated here, so a bad value stops the start with one
 * clear line. Absent addresses mean "start it embedded". Secrets (see {@link Setting#secret()}) may also come from
 * files ({@code DATABASE_PASSWORD_FILE}); {@link #toString()} never shows them.
 *
 * @param databaseUrl JDBC URL of an external PostgreSQL; empty → embedded
 * @param kafkaBootstrapServers an external Kafka; empty → embedded broker
 * @param kafkaSecurity the Kafka client security properties (TLS, SASL) every Kafka client gets
 * @param providerBaseUrl the biller's base URL; empty → the simulator is started in-process (embedded mode only)
 * @param providerApiKey the credential sent to the biller
 * @param billers the billers payments may name, in order
 * @param httpPort port of the public HTTP API (0 = any free port)
 * @param managementPort port of metrics, health and admin (0 = any free port)
 * @param managementBindAddress the IP address the management port listens on; empty → every address
 * @param auth how access tokens are validated; an empty issuer → the embedded development issuer
 * @param limits per-principal and per-address request limits
 * @param dailyPaymentLimit per-wallet daily bill-payment amount, minor units
 * @param dataDir where embedded PostgreSQL, Kafka and the development issuer keep their data
 * @param roles what this instance runs
 * @param relayMode how outbox events reach Kafka
 * @param topicReplicationFactor replication factor of the topics; empty → by cluster size
 * @param topicMinInsyncReplicas {@code min.insync.replicas} of the topics; empty → by cluster size
 * @param logFormat {@code text} or {@code json}
 * @param idempotencyRetention how long Idempotency-Keys and their responses are kept
 * @param retention reconciliation horizon and interval, inbox and audit retention, the purge jobs' period
 * @param relayProbeInterval how often an idle polling relay probes the outbox id sequence; zero turns the probe off
 * @param databasePoolSize connections this instance keeps open to PostgreSQL (its pool is fixed at this size)
 * @param databaseMigrationUser the role that owns the schema and runs the migrations; empty → {@code databaseUser}
 * @param databaseMigrationPassword its password
 * @param ledgerAuditInterval how often this instance audits the whole ledger (I1, I2, clearing)
 * @param topicProvisioning whether relay and consumer instances create missing topics or only verify them
 */
public record AppConfig(
        Optional<String> databaseUrl,
        String databaseUser,
        String databasePassword,
        Optional<String> kafkaBootstrapServers,
        KafkaSecurity kafkaSecurity,
        Optional<URI> providerBaseUrl,
        Optional<String> providerApiKey,
        List<BillerSettings> billers,
        int httpPort,
        int managementPort,
        String managementBindAddress,
        Auth auth,
        Limits limits,
        long dailyPaymentLimit,
        Path dataDir,
        Set<Role> roles,
        RelayMode relayMode,
        String eventsTopic,
        int topicPartitions,
        Optional<Integer> topicReplicationFactor,
        Optional<Integer> topicMinInsyncReplicas,
        String logFormat,
        java.time.Duration idempotencyRetention,
        Retention retention,
        java.time.Duration relayProbeInterval,
        int databasePoolSize,
        Optional<String> databaseMigrationUser,
        String databaseMigrationPassword,
        java.time.Duration ledgerAuditInterval,
        TopicProvisioning topicProvisioning) {

    /**
     * How long things are kept and waited for.
     *
     * @param reconciliationAfter an unknown biller outcome older than this goes to reconciliation
     * @param reconciliationInterval how often the reconciliation job re-asks the biller per entry
     * @param inbox how long processed event ids are kept
     * @param audit how long operator audit records are kept
     * @param purgeInterval the period of every purge job (idempotency keys, inbox, audit records)
     */
    public record Retention(
            java.time.Duration reconciliationAfter,
            java.time.Duration reconciliationInterval,
            java.time.Duration inbox,
            java.time.Duration audit,
            java.time.Duration purgeInterval) {}

    /**
     * Token validation settings.
     *
     * @param issuer the exact {@code iss} of accepted tokens; empty → the development issuer (embedded mode only)
     * @param jwksUrl where the issuer's keys are; empty → from its discovery document
     * @param audience a value {@code aud} must contain
     */
    public record Auth(Optional<URI> issuer, Optional<URI> jwksUrl, String audience) {
        public Auth {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(jwksUrl, "jwksUrl");
            Objects.requireNonNull(audience, "audience");
        }
    }

    /**
     * Request limits, per instance.
     *
     * @param perSecond requests per second a principal may make (token bucket refill)
     * @param burst the bucket's size
     * @param authFailuresPerSecond refused tokens per second one client address may send (burst four times that)
     * @param trustedProxies whose {@code X-Forwarded-For} names that client address
     */
    public record Limits(
            int perSecond,
            int burst,
            int authFailuresPerSecond,
            io.walletoutbox.app.internal.auth.TrustedProxies trustedProxies) {
        public Limits {
            if (perSecond < 1 || burst < 1 || authFailuresPerSecond < 1) {
                throw new ConfigException("rate limits must be positive");
            }
            Objects.requireNonNull(trustedProxies, "trustedProxies");
        }
    }

    /** What an instance runs; one jar, any subset. */
    public enum Role {
        API,
        RELAY,
        CONSUMER
    }

    /**
     * What a relay or consumer instance does about its topics at start: {@code CREATE} missing ones (a single
     * principal with every right), or only {@code VERIFY} them (least-privilege principals; {@code provision-topics}
     * creates them with admin credentials). Both refuse topics below the configured policy.
     */
    public enum TopicProvisioning {
        CREATE,
        VERIFY;

        static TopicProvisioning parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("TOPIC_PROVISIONING must be create or verify, was '" + value + "'");
            }
        }
    }

    /** How the relay reads the outbox. */
    public enum RelayMode {
        POLLING,
        CDC
    }

    /**
     * Every setting: its name (environment variable; the flag is the kebab-case of it), default and meaning. A
     * secret setting is also read from the file named by {@code NAME_FILE} ({@code --name-file}), and its value is
     * never printed. The descriptions are the single source of {@code --help} and of the README's configuration
     * table ({@code ReadmeSettingsTest} fails, printing the table to paste, when the two differ); text in backticks is
     * a literal value or name.
     */
    public enum Setting {
        DATABASE_URL(
                "",
                "JDBC URL of PostgreSQL, `jdbc:postgresql://host:5432/db` (multi-host URLs work:"
                        + " `jdbc:postgresql://h1:5432,h2:5432/db?targetServerType=primary`); unset: embedded PostgreSQL."
                        + " Set, it turns on external mode: `AUTH_ISSUER` is then required, and `PROVIDER_BASE_URL` for"
                        + " the consumer role"),
        DATABASE_USER("postgres", "database user"),
        DATABASE_PASSWORD("", "database password", true),
        DATABASE_MIGRATION_USER(
                "",
                "the role that owns the schema and runs the migrations, at start (a pool of its own, closed"
                        + " before anything else starts) and with `java -jar wallet-outbox.jar migrate`; `DATABASE_USER`"
                        + " then owns nothing and holds only the group roles' rights (`docs/operations.md`, Database"
                        + " roles). Needs `DATABASE_URL`; unset: `DATABASE_USER` does everything"),
        DATABASE_MIGRATION_PASSWORD("", "password of `DATABASE_MIGRATION_USER`", true),
        DATABASE_POOL_SIZE(
                "24",
                "connections each instance keeps open to PostgreSQL (4..1000; the pool is fixed at this size):"
                        + " instances × this must stay below the server's `max_connections` (100 by default), so lower it"
                        + " when many instances share one server. A relay holds up to 6 at once (4 workers, the probe, the"
                        + " vacuum), a consumer up to 8 for records plus one for reconciliation; API requests take one"
                        + " each while they run"),
        KAFKA_BOOTSTRAP_SERVERS("", "Kafka `host:port[,host:port…]`; unset: an embedded broker"),
        KAFKA_SECURITY_PROTOCOL(
                "",
                "`PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`, for every producer, consumer and admin"
                        + " client; unset: Kafka's `PLAINTEXT`"),
        KAFKA_SASL_MECHANISM("", "SASL mechanism: `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`, …"),
        KAFKA_SASL_JAAS_CONFIG(
                "",
                "the SASL JAAS line, e.g. `org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"…\" password=\"…\";`",
                true),
        KAFKA_SSL_TRUSTSTORE_LOCATION("", "truststore file for TLS to the brokers"),
        KAFKA_SSL_TRUSTSTORE_PASSWORD("", "password of the truststore", true),
        KAFKA_SSL_KEYSTORE_LOCATION("", "keystore file of the client certificate, for mutual TLS to the brokers"),
        KAFKA_SSL_KEYSTORE_PASSWORD("", "password of the keystore", true),
        KAFKA_SSL_KEY_PASSWORD("", "password of the client certificate's private key", true),
        KAFKA_CLIENT_PROPERTIES_FILE(
                "", "a Kafka client properties file applied to every client first (the settings above win)"),
        PROVIDER_BASE_URL(
                "",
                "base URL of the biller API; required outside embedded mode for the consumer role; unset in"
                        + " embedded mode: the in-process biller simulator. Answers are read up to 64 KiB: a larger one is"
                        + " an unknown outcome (retried, then asked about, never a refund)"),
        PROVIDER_API_KEY("", "sent to the biller as `Authorization: Bearer …` on every call", true),
        BILLERS(
                "wifi,power",
                "the billers payments may name (`\"biller\":\"wifi\"`; any other → `422 unknown-biller`): ids, or"
                        + " `id=url` (others use `PROVIDER_BASE_URL`); each has its own client and circuit breaker"),
        BILLERS_FILE(
                "",
                "properties file with per-biller `<id>.url`, `<id>.api-key`, `<id>.timeout`,"
                        + " `<id>.key-retention` (how long that biller remembers idempotency keys; default 24h),"
                        + " `<id>.in-flight-bound` (how long after a charge attempt the biller may still apply it: until"
                        + " then a 404 proves nothing and no refund is made; default three times the timeout, at least"
                        + " 30s)"),
        HTTP_PORT("8080", "public port: the API and `/openapi.json` (`0`: any free port)"),
        MANAGEMENT_PORT(
                "9090",
                "`/metrics`, `/health/live`, `/health/ready` (no token) and `/admin/*` (scope `wallet:admin`);"
                        + " keep it off the internet (a Prometheus on the same host also defaults to 9090: move one of"
                        + " them). `/health/ready` is computed at most once a second and names failing parts only (the log"
                        + " says why)"),
        MANAGEMENT_BIND_ADDRESS(
                "",
                "the IP address the management port listens on, e.g. `127.0.0.1` to reach it from this host"
                        + " only; unset: every address"),
        AUTH_ISSUER(
                "",
                "OIDC issuer of the access tokens (its `/.well-known/openid-configuration` gives the keys);"
                        + " `iss` must equal it exactly; unset in embedded mode: the development issuer. Outside embedded"
                        + " mode it is required, and it, `AUTH_JWKS_URL` and the discovered `jwks_uri` must be `https`"
                        + " unless their host is loopback (`localhost`, `127.0.0.1`, `::1`): else exit code 2. Discovery"
                        + " documents and key sets are read up to 64 KiB"),
        AUTH_JWKS_URL(
                "",
                "the issuer's JWKS, when discovery is not available; unset: the `jwks_uri` of the issuer's"
                        + " discovery document"),
        AUTH_AUDIENCE("wallet-api", "a value every token's `aud` must contain"),
        RATE_LIMIT_PER_SECOND("50", "requests per second per principal, per instance"),
        RATE_LIMIT_BURST("100", "burst of requests per principal, per instance"),
        AUTH_FAILURE_RATE_LIMIT(
                "5",
                "refused tokens per second per client address (burst four times that) before they get `429`;"
                        + " counted after verification, so a valid token is never refused for its address"),
        TRUSTED_PROXIES(
                "",
                "CIDR ranges (`10.0.0.0/8,fd00::/8`) of proxies whose `X-Forwarded-For` is believed: the client"
                        + " address is the rightmost entry that is not such a proxy; unset: the peer address (behind an"
                        + " ingress, every client then shares its address)"),
        DAILY_PAYMENT_LIMIT("1000000", "bill payments per wallet and UTC day, minor units"),
        DATA_DIR(
                "./data",
                "data of the embedded PostgreSQL (`postgres/`), broker (`kafka/`) and development issuer"
                        + " (`issuer/`: its signing keys)"),
        ROLES(
                "api,relay,consumer",
                "what this instance runs, any of `api`, `relay`, `consumer`; each role scales out on its own"),
        RELAY_MODE(
                "polling",
                "`polling` (outbox table, `SKIP LOCKED` shard leases) or `cdc` (write-ahead log, Debezium; see"
                        + " `docs/operations.md`). In `cdc` mode the database user needs the `REPLICATION` attribute and"
                        + " EXECUTE on `pg_logical_emit_message`, which the migrations take from PUBLIC where they may"
                        + " (`docs/operations.md`, Who may emit)"),
        EVENTS_TOPIC("wallet.events", "Kafka topic of wallet events (its dead-letter topic is this name with `.dlq`)"),
        TOPIC_PARTITIONS("8", "partitions of the events topic (an existing one must have at least these)"),
        TOPIC_REPLICATION_FACTOR(
                "",
                "replication of the events and dead-letter topics (an existing events topic must have at least"
                        + " this); unset: 3 on a cluster of three or more brokers, else 1"),
        TOPIC_MIN_INSYNC_REPLICAS(
                "", "`min.insync.replicas` of both topics; unset: 2 on three or more brokers, else 1"),
        TOPIC_PROVISIONING(
                "create",
                "what a relay or consumer instance does about its topics at start: `create` the missing ones"
                        + " (one principal with every right, as in embedded mode), or `verify`: only describe and check"
                        + " them, creating nothing, so its Kafka principal needs no right to create topics (create them"
                        + " first with `provision-topics`). Either way an absent topic (verify) or one below the settings"
                        + " above stops the start with exit code 2. An `api`-only instance never talks to Kafka"),
        RECONCILIATION_AFTER(
                "15m",
                "an unknown biller outcome older than this goes to reconciliation, and so does any payment"
                        + " `PENDING` this long with no reconciliation entry (the job's `no-progress` sweep) (durations:"
                        + " `5s`, `15m`, `1h`, `30d`)"),
        RECONCILIATION_INTERVAL(
                "1m",
                "first delay before the reconciliation job asks the biller again about an entry; it doubles per"
                        + " inconclusive answer up to 10 minutes (or this value when larger)"),
        INBOX_RETENTION(
                "30d",
                "how long processed event ids are kept for de-duplication (keep it above the topic's retention)"),
        AUDIT_RETENTION(
                "400d",
                "how long operator audit records are kept (at least `30d`: the database's purge function refuses"
                        + " a younger cut-off)"),
        RETENTION_INTERVAL(
                "10m",
                "the period of every purge job (`1s` to `24h`): expired idempotency keys (`api` instances),"
                        + " processed event ids past `INBOX_RETENTION` (`consumer` instances; never the id of a payment"
                        + " still in reconciliation), audit records past `AUDIT_RETENTION` (every instance); see"
                        + " `docs/operations.md`, Retention"),
        RELAY_PROBE_INTERVAL(
                "1ms",
                "how often an idle polling relay reads the outbox id sequence to notice events written by other"
                        + " processes (one cheap query per interval per relay instance; `0ms` turns it off, then the relay"
                        + " polls 5 ms doubling to 500 ms; the writer's own process wakes its relay at once either way)"),
        LEDGER_AUDIT_INTERVAL(
                "10m",
                "how often each instance with the `consumer` role audits the whole ledger in one read-only"
                        + " snapshot: every balance recomputed from the transfers and compared with the database's running"
                        + " total, the balances' sum, negative accounts, each biller clearing account against its"
                        + " `PENDING` payments; metrics `ledger_audit_differences`, `ledger_audit_age_seconds`, alert"
                        + " `LedgerAuditDifferences` (`docs/operations.md`, Ledger audit). Full scans: lengthen it on a"
                        + " very large ledger or with many consumer instances (at least `1s`)"),
        LOG_FORMAT("text", "`text` or `json` logs (on standard output)"),
        IDEMPOTENCY_RETENTION_HOURS("24", "hours an `Idempotency-Key` and its response are kept (1 to 720)");

        final String fallback;
        final String description;
        final boolean secret;

        Setting(String fallback, String description) {
            this(fallback, description, false);
        }

        Setting(String fallback, String description, boolean secret) {
            this.fallback = fallback;
            this.description = description;
            this.secret = secret;
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

        /** True for passwords, keys and credentials: read also from {@code NAME_FILE}, never printed. */
        public boolean secret() {
            return secret;
        }
    }

    public AppConfig {
        Objects.requireNonNull(databaseUrl);
        Objects.requireNonNull(kafkaBootstrapServers);
        Objects.requireNonNull(providerBaseUrl);
        Objects.requireNonNull(providerApiKey);
        billers = List.copyOf(billers);
        Objects.requireNonNull(auth);
        Objects.requireNonNull(limits);
        Objects.requireNonNull(kafkaSecurity);
        Objects.requireNonNull(ledgerAuditInterval);
        roles = Set.copyOf(roles);
        if (roles.isEmpty()) {
            throw new ConfigException("ROLES must name at least one of api, relay, consumer");
        }
    }

    /** Reads the configuration: {@code args} (flags) over {@code env} over defaults. */
    public static AppConfig load(Map<String, String> env, String[] args) {
        AppConfig config = parse(env, args);
        requireSafeDefaults(config);
        return config;
    }

    /**
     * The configuration of {@code migrate}: the same settings, of which it reads only the database's (and
     * {@code ROLES}, {@code RELAY_MODE}); it needs {@code DATABASE_URL} and no issuer or biller.
     */
    public static AppConfig loadForMigration(Map<String, String> env, String[] args) {
        AppConfig config = parse(env, args);
        if (!config.external()) {
            throw new ConfigException("migrate needs DATABASE_URL (embedded PostgreSQL is migrated at start)");
        }
        return config;
    }

    private static AppConfig parse(Map<String, String> env, String[] args) {
        Map<Setting, String> values = new java.util.EnumMap<>(Setting.class);
        Map<Setting, String> files = new java.util.EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            String v = env.get(s.name());
            if (v != null && !v.isBlank()) {
                values.put(s, s.secret ? v : v.trim());
            }
            String file = s.secret ? env.get(s.name() + "_FILE") : null;
            if (file != null && !file.isBlank()) {
                files.put(s, file.trim());
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
            boolean fromFile = name.endsWith("-file") && byFlagOrNull(name) == null;
            Setting setting = fromFile ? byFlag(name.substring(0, name.length() - "-file".length())) : byFlag(name);
            if (fromFile && !setting.secret) {
                throw new ConfigException("unknown option " + name);
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new ConfigException(name + " needs a value");
                }
                value = args[++i];
            }
            if (fromFile) {
                files.put(setting, value.trim());
                values.remove(setting);
            } else {
                values.put(setting, setting.secret ? value : value.trim());
                files.remove(setting);
            }
        }
        for (var file : files.entrySet()) {
            if (values.containsKey(file.getKey())) {
                throw new ConfigException("set " + file.getKey() + " or " + file.getKey() + "_FILE, not both");
            }
            values.put(file.getKey(), readSecret(file.getKey(), file.getValue()));
        }
        Map<String, String> kafkaSecurity = new java.util.LinkedHashMap<>();
        for (Setting s : Setting.values()) {
            if ((s.name().startsWith("KAFKA_S") || s == Setting.KAFKA_CLIENT_PROPERTIES_FILE)
                    && values.containsKey(s)) {
                kafkaSecurity.put(s.name(), values.get(s));
            }
        }
        if (!kafkaSecurity.isEmpty() && !values.containsKey(Setting.KAFKA_BOOTSTRAP_SERVERS)) {
            throw new ConfigException("Kafka security settings (" + String.join(", ", kafkaSecurity.keySet())
                    + ") need KAFKA_BOOTSTRAP_SERVERS: the embedded broker is plaintext on loopback");
        }
        AppConfig config = new AppConfig(
                Optional.ofNullable(values.get(Setting.DATABASE_URL)).map(AppConfig::checkDatabaseUrl),
                get(values, Setting.DATABASE_USER),
                get(values, Setting.DATABASE_PASSWORD),
                Optional.ofNullable(values.get(Setting.KAFKA_BOOTSTRAP_SERVERS)).map(AppConfig::checkBootstrap),
                KafkaSecurity.load(name -> Optional.ofNullable(kafkaSecurity.get(name))),
                Optional.ofNullable(values.get(Setting.PROVIDER_BASE_URL))
                        .map(v -> checkBaseUrl(Setting.PROVIDER_BASE_URL, v)),
                Optional.ofNullable(values.get(Setting.PROVIDER_API_KEY)),
                BillerSettings.parse(
                        get(values, Setting.BILLERS), Optional.ofNullable(values.get(Setting.BILLERS_FILE))),
                port(Setting.HTTP_PORT, get(values, Setting.HTTP_PORT)),
                port(Setting.MANAGEMENT_PORT, get(values, Setting.MANAGEMENT_PORT)),
                EdgeSettings.bindAddress(Setting.MANAGEMENT_BIND_ADDRESS, get(values, Setting.MANAGEMENT_BIND_ADDRESS)),
                new Auth(
                        Optional.ofNullable(values.get(Setting.AUTH_ISSUER))
                                .map(v -> checkBaseUrl(Setting.AUTH_ISSUER, v)),
                        Optional.ofNullable(values.get(Setting.AUTH_JWKS_URL))
                                .map(v -> checkBaseUrl(Setting.AUTH_JWKS_URL, v)),
                        audience(get(values, Setting.AUTH_AUDIENCE))),
                new Limits(
                        positive(Setting.RATE_LIMIT_PER_SECOND, values, 1_000_000),
                        positive(Setting.RATE_LIMIT_BURST, values, 1_000_000),
                        positive(Setting.AUTH_FAILURE_RATE_LIMIT, values, 1_000_000),
                        EdgeSettings.trustedProxies(get(values, Setting.TRUSTED_PROXIES))),
                positive(Setting.DAILY_PAYMENT_LIMIT, values, io.walletoutbox.wallet.Money.MAX_AMOUNT),
                Path.of(get(values, Setting.DATA_DIR)),
                roles(get(values, Setting.ROLES)),
                relayMode(get(values, Setting.RELAY_MODE)),
                topic(get(values, Setting.EVENTS_TOPIC)),
                partitions(get(values, Setting.TOPIC_PARTITIONS)),
                Optional.ofNullable(values.get(Setting.TOPIC_REPLICATION_FACTOR))
                        .map(v -> (int) positive(Setting.TOPIC_REPLICATION_FACTOR, values, 32L)),
                Optional.ofNullable(values.get(Setting.TOPIC_MIN_INSYNC_REPLICAS))
                        .map(v -> (int) positive(Setting.TOPIC_MIN_INSYNC_REPLICAS, values, 32L)),
                logFormat(get(values, Setting.LOG_FORMAT)),
                retention(get(values, Setting.IDEMPOTENCY_RETENTION_HOURS)),
                new Retention(
                        duration(Setting.RECONCILIATION_AFTER, values, java.time.Duration.ofSeconds(1)),
                        duration(Setting.RECONCILIATION_INTERVAL, values, java.time.Duration.ofSeconds(1)),
                        duration(Setting.INBOX_RETENTION, values, java.time.Duration.ofHours(1)),
                        duration(Setting.AUDIT_RETENTION, values, java.time.Duration.ofDays(30)),
                        purgeInterval(values)),
                probeInterval(values),
                poolSize(get(values, Setting.DATABASE_POOL_SIZE)),
                Optional.ofNullable(values.get(Setting.DATABASE_MIGRATION_USER)),
                get(values, Setting.DATABASE_MIGRATION_PASSWORD),
                duration(Setting.LEDGER_AUDIT_INTERVAL, values, java.time.Duration.ofSeconds(1)),
                TopicProvisioning.parse(get(values, Setting.TOPIC_PROVISIONING)));
        if (config.databaseMigrationUser().isPresent() && !config.external()) {
            throw new ConfigException("DATABASE_MIGRATION_USER needs DATABASE_URL: embedded PostgreSQL has one user");
        }
        return config;
    }

    /**
     * Outside embedded mode nothing insecure starts by default: the development issuer and the in-process biller
     * simulator run only in embedded mode, so an external deployment must name its issuer and its biller.
     */
    private static void requireSafeDefaults(AppConfig config) {
        if (config.external() && config.auth().issuer().isEmpty()) {
            throw new ConfigException("AUTH_ISSUER is required outside embedded mode (DATABASE_URL is set): the OIDC"
                    + " issuer whose access tokens this service accepts");
        }
        if (config.external()) {
            config.auth().issuer().ifPresent(u -> EdgeSettings.requireHttps(Setting.AUTH_ISSUER.name(), u));
            config.auth().jwksUrl().ifPresent(u -> EdgeSettings.requireHttps(Setting.AUTH_JWKS_URL.name(), u));
        }
        boolean everyBillerHasAUrl =
                config.billers().stream().allMatch(b -> b.url().isPresent());
        if (config.external()
                && config.providerBaseUrl().isEmpty()
                && !everyBillerHasAUrl
                && config.runs(Role.CONSUMER)) {
            throw new ConfigException("PROVIDER_BASE_URL is required outside embedded mode (DATABASE_URL is set):"
                    + " the biller simulator runs in-process only in embedded mode");
        }
    }

    /** True outside embedded mode: the database is external ({@code DATABASE_URL} set). */
    public boolean external() {
        return databaseUrl.isPresent();
    }

    /** The configuration without any secret value (for logs and messages). */
    @Override
    public String toString() {
        return "AppConfig[database=" + databaseUrl.map(AppConfig::redactUrl).orElse("embedded") + ", user="
                + databaseUser
                + databaseMigrationUser.map(u -> ", migrationUser=" + u).orElse("") + ", kafka="
                + kafkaBootstrapServers.orElse("embedded") + ", kafkaSecurity="
                + kafkaSecurity + ", provider="
                + providerBaseUrl.map(URI::toString).orElse("simulator")
                + ", httpPort=" + httpPort + ", managementPort=" + managementPort + ", managementBindAddress="
                + managementBindAddress + ", auth=" + auth + ", limits="
                + limits + ", roles=" + roles + ", relayMode=" + relayMode + "]";
    }

    /** A JDBC URL with any password parameter masked. */
    public static String redactUrl(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)password=[^&]*", "password=***");
    }

    private static String readSecret(Setting setting, String file) {
        try {
            String content = java.nio.file.Files.readString(Path.of(file));
            return content.endsWith("\n")
                    ? content.substring(0, content.length() - 1).stripTrailing()
                    : content;
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            throw new ConfigException(setting + "_FILE names a file that cannot be read: " + file);
        }
    }

    private static long positive(Setting s, Map<Setting, String> values, long max) {
        String value = get(values, s);
        try {
            long n = Long.parseLong(value);
            if (n < 1 || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(s + " must be a whole number from 1 to " + max + ", was '" + value + "'");
        }
    }

    private static int positive(Setting s, Map<Setting, String> values, int max) {
        return (int) positive(s, values, (long) max);
    }

    /** A duration written {@code 500ms}, {@code 5s}, {@code 15m}, {@code 1h} or {@code 30d} (at most ten years). */
    static Optional<java.time.Duration> parseDuration(String value) {
        var m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h|d)").matcher(value.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        java.time.Duration d = switch (m.group(2)) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "s" -> java.time.Duration.ofSeconds(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            default -> java.time.Duration.ofDays(n);
        };
        return d.compareTo(java.time.Duration.ofDays(3650)) <= 0 ? Optional.of(d) : Optional.empty();
    }

    private static java.time.Duration probeInterval(Map<Setting, String> values) {
        java.time.Duration d = duration(Setting.RELAY_PROBE_INTERVAL, values, java.time.Duration.ZERO);
        if (d.compareTo(java.time.Duration.ofSeconds(1)) > 0) {
            throw new ConfigException("RELAY_PROBE_INTERVAL must be at most 1s (0ms turns the probe off), was '"
                    + get(values, Setting.RELAY_PROBE_INTERVAL) + "'");
        }
        return d;
    }

    /** At least a second (each round queries every purged table), at most a day (a purge must come round). */
    private static java.time.Duration purgeInterval(Map<Setting, String> values) {
        java.time.Duration d = duration(Setting.RETENTION_INTERVAL, values, java.time.Duration.ofSeconds(1));
        if (d.compareTo(java.time.Duration.ofDays(1)) > 0) {
            throw new ConfigException(
                    "RETENTION_INTERVAL must be at most 24h, was '" + get(values, Setting.RETENTION_INTERVAL) + "'");
        }
        return d;
    }

    static java.time.Duration duration(Setting s, Map<Setting, String> values, java.time.Duration min) {
        String value = get(values, s);
        return parseDuration(value)
                .filter(d -> d.compareTo(min) >= 0)
                .orElseThrow(() -> new ConfigException(s + " must be a duration such as 5s, 15m, 1h or 30d, at least "
                        + min.toString().substring(2).toLowerCase(Locale.ROOT) + ", was '" + value + "'"));
    }

    private static String audience(String value) {
        if (value.isBlank() || value.length() > 200 || value.chars().anyMatch(Character::isISOControl)) {
            throw new ConfigException("AUTH_AUDIENCE must be 1 to 200 printable characters");
        }
        return value;
    }

    /** True when a role of this instance talks to Kafka: the relay and the consumer do, the API does not. */
    public boolean usesKafka() {
        return runs(Role.RELAY) || runs(Role.CONSUMER);
    }

    /** True when this instance runs {@code role}. */
    public boolean runs(Role role) {
        return roles.contains(role);
    }

    private static String get(Map<Setting, String> values, Setting s) {
        return values.getOrDefault(s, s.fallback);
    }

    private static Setting byFlagOrNull(String flag) {
        return Arrays.stream(Setting.values())
                .filter(s -> s.flag().equals(flag))
                .findFirst()
                .orElse(null);
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
                            + redactUrl(url) + "'");
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

    private static URI checkBaseUrl(Setting setting, String url) {
        try {
            URI uri = URI.create(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    || uri.getHost() == null
                    || uri.getUserInfo() != null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(setting + " must be an http(s) URL such as http://localhost:8081, was '"
                    + url.replaceAll("//[^/@]*@", "//***@") + "'");
        }
    }

    private static int port(Setting setting, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new ConfigException(setting + " must be a port number 0..65535, was '" + value + "'");
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

    private static int poolSize(String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 4 || n > 1000) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException("DATABASE_POOL_SIZE must be 4..1000, was '" + value + "'");
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
