package io.walletoutbox.app.internal.runtime;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.walletoutbox.app.internal.audit.AuditLog;
import io.walletoutbox.app.internal.auth.Authentication;
import io.walletoutbox.app.internal.auth.OidcDiscovery;
import io.walletoutbox.app.internal.auth.RateLimiter;
import io.walletoutbox.app.internal.auth.TokenVerifier;
import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.config.AppConfig.Role;
import io.walletoutbox.app.internal.config.ConfigException;
import io.walletoutbox.app.internal.config.EdgeSettings;
import io.walletoutbox.app.internal.http.AdminRoutes;
import io.walletoutbox.app.internal.http.ApiServer;
import io.walletoutbox.app.internal.http.HealthRoutes;
import io.walletoutbox.app.internal.http.IdempotentExecution;
import io.walletoutbox.app.internal.http.WalletRoutes;
import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxModes;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.WriteGate;
import io.walletoutbox.relay.KafkaProducers;
import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.PollingRelay;
import io.walletoutbox.relay.Relay;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMeterBinder;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcMeterBinder;
import io.walletoutbox.relay.cdc.CdcRelay;
import io.walletoutbox.relay.cdc.CdcSlotMonitor;
import io.walletoutbox.relay.cdc.CdcSlots;
import io.walletoutbox.wallet.IdempotencyKeys;
import io.walletoutbox.wallet.WalletConfig;
import io.walletoutbox.wallet.WalletMetrics;
import io.walletoutbox.wallet.Wallets;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.jdbi.v3.core.Jdbi;

/**
 * The running service: starts (embedded) infrastructure, migrates the schema, wires the modules with
 * constructors in dependency order, starts the roles of this instance and then the HTTP server. {@link #close()}
 * stops everything in reverse order; a failed start stops what had started before it rethrows.
 */
public final class ServiceRuntime implements AutoCloseable {
    private final Closer closer;
    private final Javalin http;
    private final Javalin management;
    private final Infrastructure infrastructure;
    private final Optional<String> simulatorUrl;
    private final Issuer issuer;
    private final List<ApiServer.Route> routes;

    /** The issuer whose tokens this instance accepts; {@code development} when it runs it itself. */
    record Issuer(String url, URI jwks, boolean development) {}

    private ServiceRuntime(
            Closer closer,
            Javalin http,
            Javalin management,
            Infrastructure infrastructure,
            Optional<String> simulatorUrl,
            Issuer issuer,
            List<ApiServer.Route> routes) {
        this.routes = routes;
        this.closer = closer;
        this.http = http;
        this.management = management;
        this.infrastructure = infrastructure;
        this.simulatorUrl = simulatorUrl;
        this.issuer = issuer;
    }

    /** Starts the service described by {@code config}; progress and addresses go to {@code out}. */
    public static ServiceRuntime start(AppConfig config, PrintStream out) {
        Closer closer = new Closer();
        try {
            return start(config, out, closer);
        } catch (RuntimeException | Error e) {
            closer.close();
            throw e;
        }
    }

    private static ServiceRuntime start(AppConfig config, PrintStream out, Closer closer) {
        Infrastructure infra = Infrastructure.resolve(config, closer, out);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        closer.register(registry::close);
        for (var binder : List.of(
                new JvmMemoryMetrics(),
                new JvmGcMetrics(),
                new JvmThreadMetrics(),
                new ClassLoaderMetrics(),
                new ProcessorMetrics(),
                new UptimeMetrics())) {
            binder.bindTo(registry);
            if (binder instanceof AutoCloseable c) {
                closer.register(c);
            }
        }
        HikariDataSource dataSource = closer.register(dataSource(infra, config.databasePoolSize(), registry));
        OutboxConfig outboxConfig = OutboxConfig.DEFAULTS;
        DatabaseMigrations.run(config, infra, dataSource);
        Jdbi jdbi = Jdbi.create(dataSource);
        Issuer issuer = issuer(config, closer);
        Authentication authentication = new Authentication(
                new TokenVerifier(issuer.url(), issuer.jwks(), config.auth().audience()),
                new RateLimiter(
                        config.limits().perSecond(),
                        config.limits().burst(),
                        config.limits().authFailuresPerSecond()),
                config.limits().trustedProxies());

        // Only the relay and the consumer talk to Kafka: an api-only instance starts and serves without a broker.
        Optional<Kafka> kafka = Optional.empty();
        Optional<Kafka.Provisioned> topics = Optional.empty();
        if (config.usesKafka()) {
            Kafka admin = closer.register(
                    new Kafka(infra.bootstrapServers(), config.kafkaSecurity().clientProperties()));
            admin.requireReachable(15);
            topics = Optional.of(TopicProvisioning.ensure(config, admin));
            kafka = Optional.of(admin);
        }

        String instanceId = instanceId();
        List<HealthRoutes.Check> liveness = new ArrayList<>();
        AtomicReference<Relay> relayRef = new AtomicReference<>();
        // In-process wake-up: the writer tells the relay of this JVM (if any) after each commit.
        Runnable wakeRelay = () -> {
            Relay relay = relayRef.get();
            if (relay != null) {
                relay.wakeUp();
            }
        };
        boolean cdc = config.relayMode() == AppConfig.RelayMode.CDC;
        OutboxMode mode = cdc ? OutboxMode.LOGICAL_MESSAGE : OutboxMode.TABLE;
        try {
            // Every instance of a deployment must read and write the outbox the same way.
            OutboxModes.claim(jdbi, mode);
        } catch (OutboxException.ModeMismatchException e) {
            throw StartupException.misconfiguration("RELAY_MODE: " + e.getMessage());
        }
        CdcConfig cdcConfig = cdc ? cdcConfig(instanceId, infra, config.eventsTopic()) : null; // only read in cdc mode
        WriteGate gate = WriteGate.OPEN;
        Optional<CdcSlotMonitor> slotMonitor = Optional.empty();
        if (cdc) {
            // Every instance, whatever its roles, makes sure the slot exists before it writes: the WAL keeps an
            // event for the relay only from the slot's creation on.
            CdcSlots.ensurePublication(jdbi, cdcConfig);
            CdcSlots.ensureSlot(jdbi, cdcConfig);
            new CdcMeterBinder(jdbi, cdcConfig).bindTo(registry);
            // A slot dropped or invalidated later means no relay will ever read what is written: writers refuse.
            CdcSlotMonitor monitor = closer.register(CdcSlotMonitor.start(jdbi, cdcConfig, Duration.ofSeconds(5)));
            monitor.bindTo(registry);
            slotMonitor = Optional.of(monitor);
            gate = monitor;
        }
        OutboxWriter outbox = OutboxWriter.create(outboxConfig, mode, wakeRelay, gate);
        WalletConfig walletConfig;
        try {
            walletConfig = new WalletConfig(config.eventsTopic(), config.idempotencyRetention())
                    .withDailyPaymentLimit(config.dailyPaymentLimit());
        } catch (IllegalArgumentException e) {
            throw new StartupException("DAILY_PAYMENT_LIMIT: " + e.getMessage(), e);
        }
        Wallets wallets = Wallets.create(jdbi, dataSource, outbox, walletConfig);
        new WalletMetrics(jdbi).bindTo(registry);
        new PendingPaymentsMetrics(jdbi).bindTo(registry);
        if (config.runs(Role.CONSUMER)) { // reads every transfer: a right of the consumer's database role
            LedgerAuditJob ledgerAudit = closer.register(new LedgerAuditJob(wallets::audit, System::nanoTime));
            ledgerAudit.bindTo(registry);
            ledgerAudit.start(config.ledgerAuditInterval());
        }

        OutboxAdmin outboxAdmin = OutboxAdmin.create(jdbi, mode, gate);
        RelayMeterBinder relayMetrics = new RelayMeterBinder(outboxAdmin);
        relayMetrics.bindTo(registry);
        if (config.runs(Role.RELAY)) {
            Relay relay;
            if (cdc) {
                Producer<String, byte[]> producer = KafkaProducers.create(
                        infra.bootstrapServers(),
                        "wallet-outbox-relay",
                        config.kafkaSecurity().clientProperties());
                relay = CdcRelay.create(jdbi, producer, cdcConfig, relayMetrics);
                closer.register(relay);
                // kafka.producer.* client metrics; closed before the relay closes the producer.
                closer.register(new KafkaClientMetrics(producer)).bindTo(registry);
            } else {
                // A factory, so that the relay pipelines a wallet's events and replaces a producer it had to
                // force-close after a failed send (RelayProducers).
                var producers = new RelayProducers(
                        infra.bootstrapServers(), config.kafkaSecurity().clientProperties(), registry);
                relay = PollingRelay.create(
                        jdbi,
                        producers,
                        relayConfig(instanceId, config.eventsTopic()).withProbeInterval(config.relayProbeInterval()),
                        relayMetrics);
                closer.register(relay);
                closer.register(producers);
            }
            relay.start();
            relayRef.set(relay);
            liveness.add(new HealthRoutes.Check(
                    "relay",
                    () -> relay.isRunning()
                            ? Optional.empty()
                            : Optional.of("the " + config.relayMode().name().toLowerCase(java.util.Locale.ROOT)
                                    + " relay has stopped (see the log)")));
        }

        ProviderWiring.Providers providers = ProviderWiring.providers(config, jdbi, wallets, registry, closer);
        Optional<String> simulatorUrl = providers.simulatorUrl();
        Optional<ProviderWiring.Started> consumer = Optional.empty();
        if (config.runs(Role.CONSUMER)) {
            consumer = Optional.of(ProviderWiring.start(config, infra, jdbi, providers, registry, closer));
        }

        Optional<WalletRoutes> walletRoutes = Optional.empty();
        if (config.runs(Role.API)) {
            IdempotencyKeys keys = IdempotencyKeys.create(jdbi, walletConfig);
            closer.register(keys.startPurger(config.retention().purgeInterval()));
            walletRoutes = Optional.of(new WalletRoutes(
                    wallets,
                    new IdempotentExecution(keys),
                    config.billers().stream()
                            .map(io.walletoutbox.app.internal.config.BillerSettings::id)
                            .collect(java.util.stream.Collectors.toSet())));
        }
        List<HealthRoutes.Check> checks = new ArrayList<>();
        checks.add(new HealthRoutes.Check("postgresql", () -> probeDatabase(dataSource)));
        kafka.ifPresent(k -> checks.add(new HealthRoutes.Check("kafka", k::probe)));
        // Every migration ran before anything was wired and a failed one stops the start, so an instance that
        // serves this route has its schema applied: the check only names that in the answer.
        checks.add(new HealthRoutes.Check("migrations", Optional::empty));
        slotMonitor.ifPresent(monitor -> checks.add(new HealthRoutes.Check(
                "cdc-slot",
                () -> monitor.current().acceptsWrites()
                        ? Optional.empty()
                        : Optional.of(monitor.current().detail()))));
        consumer.ifPresent(started -> {
            HealthRoutes.Check running = new HealthRoutes.Check(
                    "consumer",
                    () -> started.consumer().isRunning()
                            ? Optional.empty()
                            : Optional.of("the bill-payment consumer has stopped (see the log)"));
            HealthRoutes.Check job = new HealthRoutes.Check(
                    "reconciliation",
                    () -> started.job().isRunning()
                            ? Optional.empty()
                            : Optional.of("the reconciliation job has stopped (see the log)"));
            checks.add(running);
            liveness.add(running);
            liveness.add(job);
        });
        AuditLog audit = new AuditLog(jdbi);
        closer.register(RetentionJob.start(config, jdbi, audit));
        AdminRoutes admin = new AdminRoutes(jdbi, outboxAdmin, providers.reconciliation(), audit, wakeRelay);
        List<Consumer<io.javalin.config.JavalinConfig>> adminRoutes = List.of(admin::register);
        List<ApiServer.Route> routes = new java.util.concurrent.CopyOnWriteArrayList<>();
        Javalin management =
                ApiServer.management(registry, authentication, new HealthRoutes(checks, liveness), adminRoutes, routes);
        closer.register(management::stop);
        listen(management, config.managementBindAddress(), config.managementPort(), "MANAGEMENT_PORT");
        Javalin http = ApiServer.create(registry, authentication, walletRoutes, routes);
        closer.register(http::stop);
        listen(http, "", config.httpPort(), "HTTP_PORT");
        var runtime = new ServiceRuntime(closer, http, management, infra, simulatorUrl, issuer, List.copyOf(routes));
        runtime.printAddresses(config, out, topics);
        return runtime;
    }

    /** Starts {@code app} on {@code port} of {@code host}, or of every address when {@code host} is empty. */
    private static void listen(Javalin app, String host, int port, String setting) {
        try {
            if (host.isEmpty()) {
                app.start(port);
            } else {
                app.start(host, port);
            }
        } catch (RuntimeException e) {
            throw new StartupException("cannot listen on " + setting + " " + port + ": " + Kafka.rootMessage(e), e);
        }
    }

    /**
     * The issuer whose tokens are accepted: {@code AUTH_ISSUER} (keys from {@code AUTH_JWKS_URL} or its discovery
     * document), or, in embedded mode without one, a development issuer on loopback with its keys in {@code
     * DATA_DIR/issuer}. Tokens of either are validated the same way, through the JWKS.
     */
    private static Issuer issuer(AppConfig config, Closer closer) {
        String url;
        boolean development = config.auth().issuer().isEmpty();
        if (development) {
            url = EmbeddedServers.startDevIssuer(config.dataDir().resolve("issuer"), closer);
        } else {
            url = config.auth().issuer().get().toString();
        }
        try {
            URI jwks = config.auth().jwksUrl().orElseGet(() -> OidcDiscovery.jwksUri(url, Duration.ofSeconds(15)));
            if (config.external()) {
                EdgeSettings.requireHttps("the jwks_uri in the discovery document of AUTH_ISSUER", jwks);
            }
            return new Issuer(url, jwks, development);
        } catch (OidcDiscovery.DiscoveryException e) {
            throw new StartupException("AUTH_ISSUER: " + e.getMessage(), e);
        } catch (ConfigException e) {
            throw StartupException.misconfiguration(e.getMessage());
        }
    }

    /** The port the public HTTP API listens on. */
    public int httpPort() {
        return http.port();
    }

    /** The port of metrics, health and admin. */
    public int managementPort() {
        return management.port();
    }

    /** The issuer whose tokens this instance accepts. */
    public String issuerUrl() {
        return issuer.url();
    }

    /** Every HTTP route this instance serves (method, path template). */
    public List<ApiServer.Route> routes() {
        return routes;
    }

    /** The base URL of the in-process biller simulator, when one runs. */
    public Optional<String> simulatorUrl() {
        return simulatorUrl;
    }

    private void printAddresses(AppConfig config, PrintStream out, Optional<Kafka.Provisioned> provisioned) {
        out.println("wallet-outbox is up (roles "
                + config.roles().stream()
                        .map(r -> r.name().toLowerCase())
                        .sorted()
                        .toList() + ")");
        out.println("  HTTP API     http://localhost:" + http.port() + "  (bearer tokens; /openapi.json)");
        out.println("  management   http://localhost:" + management.port()
                + "  (/metrics, /health/ready; /admin/* with scope wallet:admin)");
        if (issuer.development()) {
            out.println(
                    "  issuer       " + issuer.url() + "  DEVELOPMENT ISSUER: anyone on this machine can mint tokens;"
                            + " set AUTH_ISSUER in production (tokens: bin/token alice)");
        } else {
            out.println("  issuer       " + issuer.url());
        }
        out.println("  PostgreSQL   " + AppConfig.redactUrl(infrastructure.jdbcUrl())
                + (infrastructure.embeddedDatabase() ? "  (embedded, user postgres)" : ""));
        provisioned.ifPresentOrElse(
                topics -> out.println("  Kafka        " + infrastructure.bootstrapServers()
                        + (infrastructure.embeddedKafka() ? "  (embedded broker)" : "") + "  topic "
                        + config.eventsTopic() + " (" + topics.partitions() + " partitions, replication "
                        + topics.replicationFactor() + ", min.insync.replicas " + topics.minInsyncReplicas() + ")"),
                () -> out.println("  Kafka        not used by the api role"));
        simulatorUrl.ifPresent(url -> out.println("  biller sim   " + url));
        config.providerBaseUrl().ifPresent(url -> out.println("  biller       " + url));
        out.flush();
    }

    /**
     * The polling relay's configuration: one wallet's events must reach Kafka in commit order whatever fails
     * (invariant I6), so the events topic uses {@link ParkingPolicy#BLOCK}: a wallet's events are sent one after
     * another and a failed send holds back that wallet's later events. The chaos suite found that with pipelined
     * sends ({@code SKIP}) a send timing out during a broker outage could let a later event of the same wallet
     * overtake it. The relay publishes to the events topic only: the service writes no other topic through the
     * outbox (the consumer writes the dead-letter topic itself), so an event naming another is parked, never sent.
     */
    private static RelayConfig relayConfig(String instanceId, String eventsTopic) {
        return RelayConfig.defaults(instanceId)
                .withParkingPolicy(eventsTopic, ParkingPolicy.BLOCK)
                .withTopics(eventsTopic);
    }

    private static HikariDataSource dataSource(Infrastructure infra, int poolSize, PrometheusMeterRegistry registry) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(infra.jdbcUrl());
        hc.setUsername(infra.user());
        hc.setPassword(infra.password());
        hc.setPoolName("wallet-outbox");
        hc.setMaximumPoolSize(poolSize);
        hc.setConnectionTimeout(5_000);
        hc.setInitializationFailTimeout(3_000);
        hc.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        try {
            return new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new StartupException(
                    "cannot connect to PostgreSQL at " + redact(infra.jdbcUrl()) + ": " + Kafka.rootMessage(e), e);
        }
    }

    private static Optional<String> probeDatabase(DataSource ds) {
        try (var c = ds.getConnection();
                var s = c.createStatement()) {
            s.setQueryTimeout(2);
            s.execute("SELECT 1");
            return Optional.empty();
        } catch (Exception e) {
            return Optional.of("PostgreSQL does not answer: " + Kafka.rootMessage(e));
        }
    }

    static String redact(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)password=[^&]*", "password=***");
    }

    /**
     * The CDC relay's configuration: the events topic {@link ParkingPolicy#BLOCK} and the only one it publishes to,
     * as for the polling relay.
     */
    private static CdcConfig cdcConfig(String instanceId, Infrastructure infra, String eventsTopic) {
        try {
            return CdcConfig.defaults(instanceId, infra.jdbcUrl(), infra.user(), infra.password())
                    .withParkingPolicy(eventsTopic, ParkingPolicy.BLOCK)
                    .withTopics(eventsTopic);
        } catch (IllegalArgumentException e) {
            throw new StartupException("RELAY_MODE=cdc: " + e.getMessage(), e);
        }
    }

    private static String instanceId() {
        String host = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("local");
        return host + "-" + ProcessHandle.current().pid();
    }

    /** Stops everything, newest first. Safe to call more than once. */
    @Override
    public void close() {
        closer.close();
    }
}
