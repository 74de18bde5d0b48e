package io.walletoutbox.app.internal.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxModes;
import io.walletoutbox.outbox.WriteGate;
import io.walletoutbox.relay.KafkaProducers;
import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.PollingRelay;
import io.walletoutbox.relay.Relay;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayConfigBuilder;
import io.walletoutbox.relay.RelayMeterBinder;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcMeterBinder;
import io.walletoutbox.relay.cdc.CdcRelay;
import io.walletoutbox.relay.cdc.CdcSlotMonitor;
import io.walletoutbox.relay.cdc.CdcSlots;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.clients.producer.Producer;
import org.jdbi.v3.core.Jdbi;

/**
 * How outbox events reach Kafka ({@code RELAY_MODE}): the outbox mode every instance claims, in {@code cdc} mode the
 * replication slot and the monitor that closes the writers' gate when it is lost, and, for the relay role, the
 * polling or CDC relay.
 */
final class RelayWiring {
    private RelayWiring() {}

    /**
     * How this instance writes the outbox.
     *
     * @param cdcConfig the CDC settings, in {@code cdc} mode only
     * @param gate what writers pass: open, or in {@code cdc} mode the slot monitor
     * @param slotMonitor the slot monitor, in {@code cdc} mode only
     */
    record Outbox(
            OutboxMode mode, Optional<CdcConfig> cdcConfig, WriteGate gate, Optional<CdcSlotMonitor> slotMonitor) {}

    /** Claims the outbox mode of {@code RELAY_MODE} and, in {@code cdc} mode, makes sure the slot exists. */
    static Outbox outbox(
            AppConfig config,
            Infrastructure infra,
            javax.sql.DataSource dataSource,
            String instanceId,
            MeterRegistry registry,
            Closer closer) {
        boolean cdc = config.relayMode() == AppConfig.RelayMode.CDC;
        OutboxMode mode = cdc ? OutboxMode.LOGICAL_MESSAGE : OutboxMode.TABLE;
        try {
            // Every instance of a deployment must read and write the outbox the same way.
            OutboxModes.claim(dataSource, mode);
        } catch (OutboxException.ModeMismatchException e) {
            throw StartupException.misconfiguration("RELAY_MODE: " + e.getMessage());
        }
        CdcConfig cdcConfig = cdc ? cdcConfig(instanceId, infra, config.eventsTopic()) : null; // only read in cdc mode
        WriteGate gate = WriteGate.OPEN;
        Optional<CdcSlotMonitor> slotMonitor = Optional.empty();
        if (cdc) {
            // Every instance, whatever its roles, makes sure the slot exists before it writes: the WAL keeps an
            // event for the relay only from the slot's creation on.
            CdcSlots.ensurePublication(dataSource, cdcConfig);
            CdcSlots.ensureSlot(dataSource, cdcConfig);
            new CdcMeterBinder(dataSource, cdcConfig).bindTo(registry);
            // A slot dropped or invalidated later means no relay will ever read what is written: writers refuse.
            CdcSlotMonitor monitor =
                    closer.register(CdcSlotMonitor.start(dataSource, cdcConfig, Duration.ofSeconds(5)));
            CdcMeterBinder.slotState(monitor).bindTo(registry);
            slotMonitor = Optional.of(monitor);
            gate = monitor;
        }
        return new Outbox(mode, Optional.ofNullable(cdcConfig), gate, slotMonitor);
    }

    /**
     * Starts the relay of {@code RELAY_MODE}; {@code closer} stops it and its producers. The polling relay takes the
     * pool itself ({@code dataSource}), the CDC relay the Jdbi on it.
     */
    static Relay startRelay(
            AppConfig config,
            Infrastructure infra,
            Jdbi jdbi,
            javax.sql.DataSource dataSource,
            Outbox outbox,
            RelayMeterBinder relayMetrics,
            String instanceId,
            MeterRegistry registry,
            Closer closer) {
        Relay relay;
        if (config.relayMode() == AppConfig.RelayMode.CDC) {
            Producer<String, byte[]> producer = KafkaProducers.create(
                    infra.bootstrapServers(),
                    "wallet-outbox-relay",
                    config.kafkaSecurity().clientProperties());
            relay = CdcRelay.create(dataSource, producer, outbox.cdcConfig().orElseThrow(), relayMetrics);
            closer.register(relay);
            // kafka.producer.* client metrics; closed before the relay closes the producer.
            closer.register(new KafkaClientMetrics(producer)).bindTo(registry);
        } else {
            // A factory, so that the relay pipelines a wallet's events and replaces a producer it had to
            // force-close after a failed send (RelayProducers).
            var producers = new RelayProducers(
                    infra.bootstrapServers(), config.kafkaSecurity().clientProperties(), registry);
            relay = PollingRelay.create(
                    dataSource,
                    producers,
                    relayConfig(instanceId, config.eventsTopic())
                            .probeInterval(config.relayProbeInterval())
                            .build(),
                    relayMetrics);
            closer.register(relay);
            closer.register(producers);
        }
        relay.start();
        return relay;
    }

    /**
     * The polling relay's configuration: one wallet's events must reach Kafka in commit order whatever fails
     * (invariant I6), so the events topic uses {@link ParkingPolicy#BLOCK}: a wallet's events are sent one after
     * another and a failed send holds back that wallet's later events. The chaos suite found that with pipelined
     * sends ({@code SKIP}) a send timing out during a broker outage could let a later event of the same wallet
     * overtake it. The relay publishes to the events topic only: the service writes no other topic through the
     * outbox (the consumer writes the dead-letter topic itself), so an event naming another is parked, never sent.
     */
    private static RelayConfigBuilder relayConfig(String instanceId, String eventsTopic) {
        return RelayConfig.builder(instanceId)
                .parkingPolicy(eventsTopic, ParkingPolicy.BLOCK)
                .topics(eventsTopic);
    }

    /**
     * The CDC relay's configuration: the events topic {@link ParkingPolicy#BLOCK} and the only one it publishes to,
     * as for the polling relay.
     */
    private static CdcConfig cdcConfig(String instanceId, Infrastructure infra, String eventsTopic) {
        try {
            return CdcConfig.builder(instanceId, infra.jdbcUrl(), infra.user(), infra.password())
                    .parkingPolicy(eventsTopic, ParkingPolicy.BLOCK)
                    .topics(eventsTopic)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new StartupException("RELAY_MODE=cdc: " + e.getMessage(), e);
        }
    }
}
