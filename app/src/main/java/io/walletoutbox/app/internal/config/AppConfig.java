package io.walletoutbox.app.internal.config;

import java.net.URI;
import java.nio.file.Path;
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
        AppConfig config = AppConfigParser.parse(env, args);
        requireSafeDefaults(config);
        return config;
    }

    /**
     * The configuration of {@code migrate}: the same settings, of which it reads only the database's (and
     * {@code ROLES}, {@code RELAY_MODE}); it needs {@code DATABASE_URL} and no issuer or biller.
     */
    public static AppConfig loadForMigration(Map<String, String> env, String[] args) {
        AppConfig config = AppConfigParser.parse(env, args);
        if (!config.external()) {
            throw new ConfigException("migrate needs DATABASE_URL (embedded PostgreSQL is migrated at start)");
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

    /** True when a role of this instance talks to Kafka: the relay and the consumer do, the API does not. */
    public boolean usesKafka() {
        return runs(Role.RELAY) || runs(Role.CONSUMER);
    }

    /** True when this instance runs {@code role}. */
    public boolean runs(Role role) {
        return roles.contains(role);
    }
}
