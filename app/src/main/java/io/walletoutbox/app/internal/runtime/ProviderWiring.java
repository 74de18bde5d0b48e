package io.walletoutbox.app.internal.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.provider.BillPaymentConsumer;
import io.walletoutbox.provider.BillPaymentConsumerConfig;
import io.walletoutbox.provider.BillerClient;
import io.walletoutbox.provider.BillerClientConfig;
import io.walletoutbox.provider.BillerSimulator;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.ProviderSchema;
import io.walletoutbox.provider.SimulatorConfig;
import io.walletoutbox.wallet.PaymentOutcome;
import io.walletoutbox.wallet.Wallets;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
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

    /** What {@link #start} started: the consumer, and the simulator's base URL when one was started. */
    record Started(BillPaymentConsumer consumer, Optional<String> simulatorUrl) {}

    /**
     * Starts the bill-payment consumer (and the in-process biller simulator when no biller URL is configured),
     * and binds the consumer's Kafka client metrics to {@code registry}.
     */
    static Started start(
            AppConfig config, Infrastructure infra, Jdbi jdbi, Wallets wallets, MeterRegistry registry, Closer closer) {
        Optional<String> simulatorUrl = Optional.empty();
        URI biller;
        if (config.providerBaseUrl().isPresent()) {
            biller = config.providerBaseUrl().get();
        } else {
            BillerSimulator simulator = closer.register(BillerSimulator.start(SimulatorConfig.DEFAULTS.withPort(0)));
            simulatorUrl = Optional.of(simulator.baseUrl());
            biller = URI.create(simulator.baseUrl());
        }
        ProviderMetrics metrics = new ProviderMetrics();
        metrics.bindTo(registry);
        BillerClient client;
        try {
            client = BillerClient.create(
                    BillerClientConfig.defaults(biller)
                            .withApiKey(config.providerApiKey().map(String::strip)),
                    metrics);
        } catch (IllegalArgumentException e) {
            throw new StartupException("PROVIDER_API_KEY: " + e.getMessage(), e);
        }
        if (client instanceof AutoCloseable closeable) {
            closer.register(closeable);
        }
        OutcomeRecorder recorder = new WalletOutcomeRecorder(wallets);
        Map<String, String> kafkaProperties =
                new java.util.HashMap<>(config.kafkaSecurity().properties());
        // A consumer that died without leaving the group (kill -9) holds its partitions until the session times
        // out: 10 s instead of Kafka's 45 s bounds that stall.
        kafkaProperties.put("session.timeout.ms", "10000");
        kafkaProperties.put("heartbeat.interval.ms", "3000");
        BillPaymentConsumer consumer = BillPaymentConsumer.create(
                BillPaymentConsumerConfig.defaults(infra.bootstrapServers())
                        .withTopic(config.eventsTopic(), BillPaymentConsumerConfig.DEFAULT_GROUP)
                        .withKafkaProperties(kafkaProperties),
                jdbi,
                client,
                recorder,
                metrics);
        closer.register(consumer);
        consumer.start();
        MeterBinder clientMetrics = consumer.clientMetrics();
        clientMetrics.bindTo(registry);
        if (clientMetrics instanceof AutoCloseable closeable) {
            closer.register(closeable);
        }
        return new Started(consumer, simulatorUrl);
    }

    /** The {@code provider-sim} subcommand: the simulator alone, configured by the environment. */
    public static void runSimulator(String[] args) {
        BillerSimulator.run(args);
    }

    /** Definite biller outcomes → wallet outcomes, in the consumer's transaction. */
    private record WalletOutcomeRecorder(Wallets wallets) implements OutcomeRecorder {
        @Override
        public boolean paid(Handle handle, UUID paymentId, String reference) {
            return wallets.recordOutcome(handle, paymentId, new PaymentOutcome.Paid(reference));
        }

        @Override
        public boolean declined(Handle handle, UUID paymentId, String reason) {
            return wallets.recordOutcome(handle, paymentId, new PaymentOutcome.Declined(reason));
        }
    }
}
