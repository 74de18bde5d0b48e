package io.walletoutbox.app.internal.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.config.BillerSettings;
import io.walletoutbox.provider.BillPaymentConsumer;
import io.walletoutbox.provider.BillPaymentConsumerConfig;
import io.walletoutbox.provider.BillerClientConfig;
import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.BillerSimulator;
import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProviderException;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.ProviderSchema;
import io.walletoutbox.provider.Reconciliation;
import io.walletoutbox.provider.ReconciliationConfig;
import io.walletoutbox.provider.ReconciliationJob;
import io.walletoutbox.provider.SimulatorConfig;
import io.walletoutbox.wallet.BillPayment;
import io.walletoutbox.wallet.InboxEntry;
import io.walletoutbox.wallet.OutcomeRecorded;
import io.walletoutbox.wallet.PaymentOutcome;
import io.walletoutbox.wallet.WalletException;
import io.walletoutbox.wallet.Wallets;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
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
            BillerSimulator simulator = closer.register(BillerSimulator.start(SimulatorConfig.DEFAULTS.withPort(0)));
            simulatorUrl = Optional.of(simulator.baseUrl());
            fallback = Optional.of(URI.create(simulator.baseUrl()));
        }
        ProviderMetrics metrics = new ProviderMetrics();
        metrics.bindTo(registry);
        Map<String, BillerClientConfig> configs = new LinkedHashMap<>();
        for (BillerSettings b : config.billers()) {
            URI url = b.url().or(() -> config.providerBaseUrl()).orElse(fallback.orElseThrow());
            try {
                BillerClientConfig c = BillerClientConfig.defaults(url)
                        .withApiKey(b.apiKey().or(() -> config.providerApiKey()).map(String::strip));
                if (b.timeout().isPresent()) {
                    c = c.withRequestTimeout(b.timeout().get());
                }
                if (b.keyRetention().isPresent()) {
                    c = c.withKeyRetention(b.keyRetention().get());
                }
                configs.put(b.id(), c);
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
        BillPaymentConsumerConfig consumerConfig = BillPaymentConsumerConfig.defaults(infra.bootstrapServers())
                .withTopic(config.eventsTopic(), BillPaymentConsumerConfig.DEFAULT_GROUP)
                .withKafkaProperties(kafkaProperties);
        consumerConfig = consumerConfig.withUnknownRetries(
                consumerConfig.unknownRetryInitial(),
                consumerConfig.unknownRetryMax(),
                config.retention().reconciliationAfter());
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
                ReconciliationConfig.DEFAULTS.withRecheck(
                        interval, interval.compareTo(Duration.ofMinutes(10)) > 0 ? interval : Duration.ofMinutes(10)),
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

    /**
     * Definite biller outcomes → wallet outcomes, in the consumer's transaction. A payment the ledger does not know
     * (another deployment's record, a forged one) and a value it refuses are permanent failures of that record,
     * never retried forever.
     */
    private record WalletOutcomeRecorder(Wallets wallets) implements OutcomeRecorder {
        @Override
        public Lookup lookup(Handle handle, UUID paymentId) {
            return wallets.findPayment(paymentId)
                    .map(p -> p.status() == BillPayment.Status.PENDING ? Lookup.PENDING : Lookup.SETTLED)
                    .orElse(Lookup.NOT_FOUND);
        }

        /**
         * The inbox check and the payment lookup in one statement on {@code handle} (one round trip, one
         * connection), answering as the two statements of the default would.
         */
        @Override
        public Lookup check(Handle handle, String consumer, UUID eventId, UUID paymentId) {
            return handle.createQuery("""
                            SELECT EXISTS (SELECT 1 FROM inbox WHERE consumer = :consumer AND event_id = CAST(:event AS uuid))
                                       AS processed,
                                   (SELECT status FROM bill_payment WHERE id = CAST(:payment AS uuid)) AS status
                            """)
                    .bind("consumer", consumer)
                    .bind("event", eventId)
                    .bind("payment", paymentId)
                    .map((rs, ctx) -> {
                        if (rs.getBoolean("processed")) {
                            return Lookup.PROCESSED;
                        }
                        if (paymentId == null) {
                            return Lookup.UNCHECKED;
                        }
                        String status = rs.getString("status");
                        if (status == null) {
                            return Lookup.NOT_FOUND;
                        }
                        return BillPayment.Status.PENDING.name().equals(status) ? Lookup.PENDING : Lookup.SETTLED;
                    })
                    .one();
        }

        @Override
        public boolean paid(Handle handle, UUID paymentId, String reference) {
            return record(handle, paymentId, new PaymentOutcome.Paid(reference));
        }

        @Override
        public boolean declined(Handle handle, UUID paymentId, String reason) {
            return record(handle, paymentId, new PaymentOutcome.Declined(reason));
        }

        /** One round trip: the wallet's function writes the inbox entry with the outcome. */
        @Override
        public Recorded record(
                Jdbi jdbi, String consumer, UUID eventId, UUID paymentId, String walletId, BillerOutcome outcome) {
            UUID wallet;
            try {
                wallet = UUID.fromString(walletId);
            } catch (IllegalArgumentException | NullPointerException e) {
                return OutcomeRecorder.super.record(jdbi, consumer, eventId, paymentId, walletId, outcome);
            }
            PaymentOutcome definite = switch (outcome) {
                case BillerOutcome.Paid(var reference) -> new PaymentOutcome.Paid(reference);
                case BillerOutcome.Declined(var reason) -> new PaymentOutcome.Declined(reason);
                default -> throw new IllegalArgumentException("only a definite outcome is recorded, not " + outcome);
            };
            OutcomeRecorded recorded;
            try {
                recorded = wallets.recordOutcome(new InboxEntry(consumer, eventId), paymentId, wallet, definite);
            } catch (WalletException.PaymentNotFound e) {
                throw ProviderException.OutcomeRefused.unknownPayment(paymentId, e);
            } catch (WalletException.InvalidField | WalletException.AmountOutOfRange e) {
                throw ProviderException.OutcomeRefused.ledgerRefused(e.getMessage(), e);
            }
            return switch (recorded) {
                case RECORDED -> Recorded.CHANGED;
                case UNCHANGED -> Recorded.UNCHANGED;
                case DUPLICATE -> Recorded.DUPLICATE;
            };
        }

        private boolean record(Handle handle, UUID paymentId, PaymentOutcome outcome) {
            try {
                return wallets.recordOutcome(handle, paymentId, outcome);
            } catch (WalletException.PaymentNotFound e) {
                throw ProviderException.OutcomeRefused.unknownPayment(paymentId, e);
            } catch (WalletException.InvalidField | WalletException.AmountOutOfRange e) {
                throw ProviderException.OutcomeRefused.ledgerRefused(e.getMessage(), e);
            }
        }
    }
}
