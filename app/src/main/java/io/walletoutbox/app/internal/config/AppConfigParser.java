package io.walletoutbox.app.internal.config;

import io.walletoutbox.app.internal.config.AppConfig.Auth;
import io.walletoutbox.app.internal.config.AppConfig.Limits;
import io.walletoutbox.app.internal.config.AppConfig.Retention;
import io.walletoutbox.app.internal.config.AppConfig.TopicProvisioning;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the raw setting values into an {@link AppConfig}, each through its parser, in the order of the record's
 * components: the first bad value stops the parse with its one line.
 */
final class AppConfigParser {
    private AppConfigParser() {}

    static AppConfig parse(Map<String, String> env, String[] args) {
        SettingValues values = SettingValues.read(env, args);
        Map<String, String> kafkaSecurity = new LinkedHashMap<>();
        for (Setting s : Setting.values()) {
            if ((s.name().startsWith("KAFKA_S") || s == Setting.KAFKA_CLIENT_PROPERTIES_FILE) && values.isGiven(s)) {
                kafkaSecurity.put(s.name(), values.get(s));
            }
        }
        if (!kafkaSecurity.isEmpty() && !values.isGiven(Setting.KAFKA_BOOTSTRAP_SERVERS)) {
            throw new ConfigException("Kafka security settings (" + String.join(", ", kafkaSecurity.keySet())
                    + ") need KAFKA_BOOTSTRAP_SERVERS: the embedded broker is plaintext on loopback");
        }
        AppConfig config = new AppConfig(
                values.given(Setting.DATABASE_URL).map(Parsers::checkDatabaseUrl),
                values.get(Setting.DATABASE_USER),
                values.get(Setting.DATABASE_PASSWORD),
                values.given(Setting.KAFKA_BOOTSTRAP_SERVERS).map(Parsers::checkBootstrap),
                KafkaSecurity.load(name -> Optional.ofNullable(kafkaSecurity.get(name))),
                values.given(Setting.PROVIDER_BASE_URL).map(v -> Parsers.checkBaseUrl(Setting.PROVIDER_BASE_URL, v)),
                values.given(Setting.PROVIDER_API_KEY),
                BillerSettings.parse(values.get(Setting.BILLERS), values.given(Setting.BILLERS_FILE)),
                Parsers.port(Setting.HTTP_PORT, values.get(Setting.HTTP_PORT)),
                Parsers.port(Setting.MANAGEMENT_PORT, values.get(Setting.MANAGEMENT_PORT)),
                EdgeSettings.bindAddress(Setting.MANAGEMENT_BIND_ADDRESS, values.get(Setting.MANAGEMENT_BIND_ADDRESS)),
                new Auth(
                        values.given(Setting.AUTH_ISSUER).map(v -> Parsers.checkBaseUrl(Setting.AUTH_ISSUER, v)),
                        values.given(Setting.AUTH_JWKS_URL).map(v -> Parsers.checkBaseUrl(Setting.AUTH_JWKS_URL, v)),
                        Parsers.audience(values.get(Setting.AUTH_AUDIENCE))),
                new Limits(
                        Parsers.positive(Setting.RATE_LIMIT_PER_SECOND, values, 1_000_000),
                        Parsers.positive(Setting.RATE_LIMIT_BURST, values, 1_000_000),
                        Parsers.positive(Setting.AUTH_FAILURE_RATE_LIMIT, values, 1_000_000),
                        EdgeSettings.trustedProxies(values.get(Setting.TRUSTED_PROXIES))),
                Parsers.positive(Setting.DAILY_PAYMENT_LIMIT, values, io.walletoutbox.wallet.Money.MAX_AMOUNT),
                Path.of(values.get(Setting.DATA_DIR)),
                Parsers.roles(values.get(Setting.ROLES)),
                Parsers.relayMode(values.get(Setting.RELAY_MODE)),
                Parsers.topic(values.get(Setting.EVENTS_TOPIC)),
                Parsers.partitions(values.get(Setting.TOPIC_PARTITIONS)),
                values.given(Setting.TOPIC_REPLICATION_FACTOR)
                        .map(v -> (int) Parsers.positive(Setting.TOPIC_REPLICATION_FACTOR, values, 32L)),
                values.given(Setting.TOPIC_MIN_INSYNC_REPLICAS)
                        .map(v -> (int) Parsers.positive(Setting.TOPIC_MIN_INSYNC_REPLICAS, values, 32L)),
                Parsers.logFormat(values.get(Setting.LOG_FORMAT)),
                DurationParser.retentionHours(values.get(Setting.IDEMPOTENCY_RETENTION_HOURS)),
                new Retention(
                        DurationParser.duration(Setting.RECONCILIATION_AFTER, values, Duration.ofSeconds(1)),
                        DurationParser.duration(Setting.RECONCILIATION_INTERVAL, values, Duration.ofSeconds(1)),
                        DurationParser.duration(Setting.INBOX_RETENTION, values, Duration.ofHours(1)),
                        DurationParser.duration(Setting.AUDIT_RETENTION, values, Duration.ofDays(30)),
                        DurationParser.purgeInterval(values)),
                DurationParser.probeInterval(values),
                Parsers.poolSize(values.get(Setting.DATABASE_POOL_SIZE)),
                values.given(Setting.DATABASE_MIGRATION_USER),
                values.get(Setting.DATABASE_MIGRATION_PASSWORD),
                DurationParser.duration(Setting.LEDGER_AUDIT_INTERVAL, values, Duration.ofSeconds(1)),
                TopicProvisioning.parse(values.get(Setting.TOPIC_PROVISIONING)));
        if (config.databaseMigrationUser().isPresent() && !config.external()) {
            throw new ConfigException("DATABASE_MIGRATION_USER needs DATABASE_URL: embedded PostgreSQL has one user");
        }
        return config;
    }
}
