package io.walletoutbox.app.internal.config;

import java.util.Locale;

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
                    + " vacuum), a consumer up to 8 for records plus up to 8 for the reconciliation job (each held while"
                    + " it asks the biller); API requests take one each while they run; every instance also takes one"
                    + " briefly for `/health/ready`, the metrics and the purges"),
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
    TOPIC_MIN_INSYNC_REPLICAS("", "`min.insync.replicas` of both topics; unset: 2 on three or more brokers, else 1"),
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
            "30d", "how long processed event ids are kept for de-duplication (keep it above the topic's retention)"),
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
