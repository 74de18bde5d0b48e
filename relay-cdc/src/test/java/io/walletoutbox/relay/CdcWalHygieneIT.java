package io.walletoutbox.relay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcMeterBinder;
import io.walletoutbox.relay.cdc.CdcRelay;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * An idle outbox in a busy cluster: another database writes tens of megabytes of WAL. A slot nobody confirms keeps
 * all of it; the relay's heartbeat lets its own slot move on, as {@code relay.cdc.slot.retained.wal.bytes} shows.
 */
class CdcWalHygieneIT {
    private static final double MB = 1024 * 1024;

    @Test
    void heartbeatKeepsAnIdleSlotFromRetainingTheClustersWal() throws Exception {
        try (var fixture = new RelayFixture("cdc_wal", OutboxMode.LOGICAL_MESSAGE)) {
            var relayConfig = RelayContractIT.config("wal").topics("cdc-wal").build(); // nothing is written to it
            CdcConfig cdc = CdcTestSupport.config("wal", fixture.url, fixture.infra.user(), relayConfig);
            fixture.register(CdcTestSupport.dropper(CdcTestSupport.dataSource(fixture), cdc));
            // A slot no relay reads, as a deployment that left CDC without dropping it.
            CdcConfig forgotten = cdc.toBuilder()
                    .slotName(cdc.slotName() + "_x")
                    .publicationName(cdc.publicationName() + "_x")
                    .build();
            fixture.jdbi.useHandle(
                    h -> h.createQuery("SELECT lsn::text FROM pg_create_logical_replication_slot(:s, 'pgoutput')")
                            .bind("s", forgotten.slotName())
                            .mapTo(String.class)
                            .one());
            fixture.register(CdcTestSupport.dropper(CdcTestSupport.dataSource(fixture), forgotten));

            DataSource dataSource = CdcTestSupport.dataSource(fixture);
            var registry = new SimpleMeterRegistry();
            new CdcMeterBinder(dataSource, cdc, Duration.ZERO, Clock.systemUTC()).bindTo(registry);
            var ours = registry.get("relay.cdc.slot.retained.wal.bytes").gauge();
            var theirs = new CdcMeterBinder(dataSource, forgotten, Duration.ZERO, Clock.systemUTC());
            assertTrue(
                    Double.isNaN(new CdcMeterBinder(
                                    dataSource,
                                    cdc.toBuilder()
                                            .slotName("no_such_slot")
                                            .publicationName("p")
                                            .build())
                            .retainedWalBytes()),
                    "no slot, no value");

            Relay relay = fixture.register(CdcRelay.create(
                    fixture.pool("relay", 2),
                    KafkaProducers.create(fixture.infra.bootstrapServers(), "wal"),
                    cdc,
                    RelayMetrics.NONE));
            relay.start();
            RelayFixture.await(() -> ours.value() >= 0, RelayContractIT.LONG, "the slot to exist");

            String noise = fixture.infra.newDatabase("wal_noise");
            try (var h = Jdbi.create(noise, fixture.infra.user(), "").open()) {
                h.execute("CREATE TABLE noise (id int, filler text)");
                h.execute("INSERT INTO noise SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, 20000) g");
            }
            double forgottenRetains = theirs.retainedWalBytes();
            assertTrue(forgottenRetains > 20 * MB, "the other database wrote WAL: " + forgottenRetains);
            RelayFixture.await(
                    () -> ours.value() < 1 * MB,
                    RelayContractIT.LONG,
                    "the heartbeat to release the WAL (retained " + ours.value() + " bytes)");
            assertTrue(theirs.retainedWalBytes() >= forgottenRetains, "an unread slot keeps it all");
        }
    }
}
