package io.walletoutbox.app.internal.runtime;

import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.walletoutbox.app.internal.audit.AuditLog;
import io.walletoutbox.app.internal.auth.Authentication;
import io.walletoutbox.app.internal.auth.RateLimiter;
import io.walletoutbox.app.internal.auth.TokenVerifier;
import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.config.AppConfig.Role;
import io.walletoutbox.app.internal.http.AdminRoutes;
import io.walletoutbox.app.internal.http.ApiServer;
import io.walletoutbox.app.internal.http.IdempotentExecution;
import io.walletoutbox.app.internal.http.ServerSpans;
import io.walletoutbox.app.internal.http.WalletRoutes;
import io.walletoutbox.app.internal.tracing.Tracing;
import io.walletoutbox.app.internal.tracing.TracingSettings;
import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.relay.Relay;
import io.walletoutbox.relay.RelayMeterBinder;
import io.walletoutbox.wallet.IdempotencyKeys;
import io.walletoutbox.wallet.WalletConfig;
import io.walletoutbox.wallet.WalletMetrics;
import io.walletoutbox.wallet.Wallets;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
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
    private final Optional<String> simulatorUrl;
    private final Issuer issuer;
    private final List<ApiServer.Route> routes;

    private ServiceRuntime(
            Closer closer,
            Javalin http,
            Javalin management,
            Optional<String> simulatorUrl,
            Issuer issuer,
            List<ApiServer.Route> routes) {
        this.routes = routes;
        this.closer = closer;
        this.http = http;
        this.management = management;
        this.simulatorUrl = simulatorUrl;
        this.issuer = issuer;
    }

    /** Starts the service described by {@code config}; progress and addresses go to {@code out}. */
    public static ServiceRuntime start(AppConfig config, PrintStream out) {
        return start(config, System.getenv(), out);
    }

    /**
     * Starts the service described by {@code config}, with the OpenTelemetry settings ({@code OTEL_*}) of {@code
     * environment} over the JVM's {@code otel.*} system properties; progress and addresses go to {@code out}.
     */
    public static ServiceRuntime start(AppConfig config, Map<String, String> environment, PrintStream out) {
        Closer closer = new Closer();
        try {
            // First, so it closes last: the spans of everything stopping are still exported.
            Tracing tracing = closer.register(Tracing.start(TracingSettings.from(environment, System.getProperties())));
            return start(config, tracing, out, closer);
        } catch (RuntimeException | Error e) {
            closer.close();
            throw e;
        }
    }

    private static ServiceRuntime start(AppConfig config, Tracing tracing, PrintStream out, Closer closer) {
        Infrastructure infra = Infrastructure.resolve(config, closer, out);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(
                Tracing.PROMETHEUS_CONFIG, new PrometheusRegistry(), Clock.SYSTEM, tracing.exemplars());
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
        HikariDataSource dataSource =
                closer.register(DatabasePool.dataSource(infra, config.databasePoolSize(), registry));
        OutboxConfig outboxConfig = OutboxConfig.DEFAULTS;
        DatabaseMigrations.run(config, infra, dataSource);
        Jdbi jdbi = Jdbi.create(dataSource);
        Issuer issuer = Issuer.resolve(config, closer);
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
        AtomicReference<Relay> relayRef = new AtomicReference<>();
        // In-process wake-up: the writer tells the relay of this JVM (if any) after each commit.
        Runnable wakeRelay = () -> {
            Relay relay = relayRef.get();
            if (relay != null) {
                relay.wakeUp();
            }
        };
        RelayWiring.Outbox outboxSetup =
                RelayWiring.outbox(config, infra, jdbi, dataSource, instanceId, registry, closer);
        OutboxWriter outbox = OutboxWriter.create(outboxConfig, outboxSetup.mode(), wakeRelay, outboxSetup.gate());
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

        OutboxAdmin outboxAdmin = OutboxAdmin.create(dataSource, outboxSetup.mode(), outboxSetup.gate());
        RelayMeterBinder relayMetrics = new RelayMeterBinder(outboxAdmin);
        relayMetrics.bindTo(registry);
        Optional<Relay> startedRelay = Optional.empty();
        if (config.runs(Role.RELAY)) {
            Relay started = RelayWiring.startRelay(
                    config, infra, jdbi, dataSource, outboxSetup, relayMetrics, instanceId, registry, closer);
            relayRef.set(started);
            startedRelay = Optional.of(started);
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
        AuditLog audit = new AuditLog(jdbi);
        closer.register(RetentionJob.start(config, jdbi, audit));
        AdminRoutes admin = new AdminRoutes(jdbi, outboxAdmin, providers.reconciliation(), audit, wakeRelay);
        List<Consumer<io.javalin.config.JavalinConfig>> adminRoutes = List.of(admin::register);
        List<ApiServer.Route> routes = new java.util.concurrent.CopyOnWriteArrayList<>();
        Javalin management = ApiServer.management(
                registry,
                authentication,
                HealthChecks.routes(config, dataSource, kafka, outboxSetup.slotMonitor(), startedRelay, consumer),
                adminRoutes,
                routes);
        closer.register(management::stop);
        listen(management, config.managementBindAddress(), config.managementPort(), "MANAGEMENT_PORT");
        Javalin http = ApiServer.create(
                registry,
                authentication,
                walletRoutes,
                routes,
                tracing.openTelemetry().map(ServerSpans::new));
        closer.register(http::stop);
        listen(http, "", config.httpPort(), "HTTP_PORT");
        var runtime = new ServiceRuntime(closer, http, management, simulatorUrl, issuer, List.copyOf(routes));
        StartupBanner.print(runtime, config, infra, topics, out);
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

    /** The issuer whose tokens this instance accepts, and whether it runs it itself. */
    Issuer issuer() {
        return issuer;
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
