package io.walletoutbox.app.internal.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.config.BillerSettings;
import io.walletoutbox.provider.BillPaymentConsumer;
import io.walletoutbox.provider.BillPaymentConsumerConfig;
import io.walletoutbox.provider.BillerClientConfig;
import io.walletoutbox.provider.BillerSimulator;
import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.ProviderSchema;
import io.walletoutbox.provider.Reconciliation;
import io.walletoutbox.provider.ReconciliationConfig;
import io.walletoutbox.provider.ReconciliationJob;
import io.walletoutbox.provider.SimulatorConfig;
import io.walletoutbox.wallet.Wallets;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * Wires the provider-client module to the wallet module: the consumer's definite outcomes become wallet
 * outcomes in the consumer's transaction. The two modules know nothing of each other; this class is the seam.
 */
public final class ProviderWiring {
    private ProviderWiring() {}

    static void migrate(DataSource dataSource) {
        ProviderSchema.migrate(dataSource);
    }

    /**
     * The billers of this deployment and what talks to them: one client (with its circuit breaker) per configured
     * biller, the outcome recorder into the wallet, the provider metrics, and the in-process simulator's URL when
     * one runs (embedded mode, for billers without a URL of their own).
     */
    record Providers(
            Billers billers,
            OutcomeRecorder recorder,
            ProviderMetrics metrics,
            Optional<String> simulatorUrl,
            Reconciliation reconciliation) {}

    /** What {@link #start} started: the consumer and the reconciliation job. */
    record Started(BillPaymentConsumer consumer, ReconciliationJob job) {}

    /**
     * Makes the biller clients of {@code config.billers()}: each biller's own URL and credential, else {@code
     * PROVIDER_BASE_URL} / {@code PROVIDER_API_KEY}, else (embedded mode) the in-process simulator, started here.
     */
    static Providers providers(AppConfig config, Jdbi jdbi, Wallets wallets, MeterRegistry registry, Closer closer) {
        Optional<String> simulatorUrl = Optional.empty();
        Optional<URI> fallback = config.providerBaseUrl();
        boolean needsDefault = config.billers().stream().anyMatch(b -> b.url().isEmpty());
        if (fallback.isEmpty() && needsDefault) {
            BillerSimulator simulator = closer.register(
                    BillerSimulator.start(SimulatorConfig.builder().port(0).build()));
            simulatorUrl = Optional.of(simulator.baseUrl());
            fallback = Optional.of(URI.create(simulator.baseUrl()));
        }
        ProviderMetrics metrics = new ProviderMetrics();
        metrics.bindTo(registry);
        Map<String, BillerClientConfig> configs = new LinkedHashMap<>();
        for (BillerSettings b : config.billers()) {
            URI url = b.url().or(() -> config.providerBaseUrl()).orElse(fallback.orElseThrow());
            try {
                var c = BillerClientConfig.builder(url)
                        .apiKey(b.apiKey().or(() -> config.providerApiKey()).map(String::strip));
                b.timeout().ifPresent(c::requestTimeout);
                b.keyRetention().ifPresent(c::keyRetention);
                b.inFlightBound().ifPresent(c::inFlightBound);
                configs.put(b.id(), c.build());
            } catch (IllegalArgumentException e) {
                throw StartupException.misconfiguration("biller " + b.id() + ": " + e.getMessage());
            }
        }
        Billers billers = closer.register(Billers.create(configs, metrics));
        OutcomeRecorder recorder = recorder(wallets);
        return new Providers(
                billers, recorder, metrics, simulatorUrl, Reconciliation.create(jdbi, billers, recorder, metrics));
    }

    /**
     * Starts the bill-payment consumer and the reconciliation job, and binds the consumer's Kafka client metrics to
     * {@code registry}.
     */
    static Started start(
            AppConfig config,
            Infrastructure infra,
            Jdbi jdbi,
            Providers providers,
            MeterRegistry registry,
            Closer closer) {
        Map<String, String> kafkaProperties =
                new java.util.HashMap<>(config.kafkaSecurity().properties());
        // A consumer that died without leaving the group (kill -9) holds its partitions until the session times
        // out: 10 s instead of Kafka's 45 s bounds that stall.
        kafkaProperties.put("session.timeout.ms", "10000");
        kafkaProperties.put("heartbeat.interval.ms", "3000");
        BillPaymentConsumerConfig consumerConfig = BillPaymentConsumerConfig.builder(infra.bootstrapServers())
                .topic(config.eventsTopic())
                .groupId(BillPaymentConsumerConfig.DEFAULT_GROUP)
                .kafkaProperties(kafkaProperties)
                .reconciliationHorizon(config.retention().reconciliationAfter())
                .build();
        BillPaymentConsumer consumer = BillPaymentConsumer.create(
                consumerConfig, jdbi, providers.billers(), providers.recorder(), providers.metrics());
        closer.register(consumer);
        consumer.start();
        MeterBinder clientMetrics = consumer.clientMetrics();
        clientMetrics.bindTo(registry);
        if (clientMetrics instanceof AutoCloseable closeable) {
            closer.register(closeable);
        }
        Duration interval = config.retention().reconciliationInterval();
        ReconciliationJob job = closer.register(ReconciliationJob.create(
                ReconciliationConfig.builder()
                        .recheckInterval(interval)
                        .recheckMax(interval.compareTo(Duration.ofMinutes(10)) > 0 ? interval : Duration.ofMinutes(10))
                        .noProgressAfter(config.retention().reconciliationAfter())
                        .build(),
                jdbi,
                providers.billers(),
                providers.recorder(),
                providers.metrics()));
        job.start();
        return new Started(consumer, job);
    }

    /** The recorder of definite biller outcomes into {@code wallets}. */
    static OutcomeRecorder recorder(Wallets wallets) {
        return new WalletOutcomeRecorder(wallets);
    }

    /** The {@code provider-sim} subcommand: the simulator alone, configured by the environment. */
    public static void runSimulator(String[] args) {
        BillerSimulator.run(args);
    }
}
