package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.embedded.EmbeddedPostgres;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.jdbi.JdbiOutbox;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcMeterBinder;
import io.walletoutbox.relay.cdc.CdcSlotMonitor;
import io.walletoutbox.relay.cdc.CdcSlots;
import io.walletoutbox.relay.cdc.SlotStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writers' view of the replication slot: while it is missing (dropped) or invalidated (PostgreSQL removed the
 * WAL it needed), events written would reach no relay, so a CDC-mode writer guarded by {@link CdcSlotMonitor}
 * refuses them, and so does a CDC-mode retry of a parked event.
 */
class CdcSlotHealthIT {
    private static final Duration LONG = Duration.ofMinutes(2);

    @Test
    void writersRefuseWhileTheSlotIsDroppedAndWriteAgainOnceItIsBack() throws Exception {
        try (var fixture = new RelayFixture("cdc_slot_health", OutboxMode.LOGICAL_MESSAGE)) {
            CdcConfig config = CdcTestSupport.config(
                    "health",
                    fixture.url,
                    fixture.infra.user(),
                    RelayContractIT.config("health").build());
            DataSource ds = CdcTestSupport.dataSource(fixture);
            fixture.register(CdcTestSupport.dropper(ds, config));
            assertEquals(SlotStatus.State.MISSING, CdcSlots.status(ds, config).state(), "not created yet");
            CdcSlots.ensurePublication(ds, config);
            CdcSlots.ensureSlot(ds, config);
            SlotStatus ok = CdcSlots.status(ds, config);
            assertEquals(SlotStatus.State.OK, ok.state(), ok.detail());
            assertTrue(ok.acceptsWrites());

            CdcSlotMonitor monitor = fixture.register(CdcSlotMonitor.start(ds, config, Duration.ofMillis(50)));
            var registry = new SimpleMeterRegistry();
            CdcMeterBinder.slotState(monitor).bindTo(registry);
            var gauge = registry.get("relay.cdc.slot.state")
                    .tag("slot", config.slotName())
                    .gauge();
            assertEquals(0.0, gauge.value());
            var writer = JdbiOutbox.writer(
                    OutboxWriter.create(OutboxConfig.DEFAULTS, OutboxMode.LOGICAL_MESSAGE, () -> {}, monitor));
            var admin = JdbiOutbox.admin(fixture.jdbi, OutboxMode.LOGICAL_MESSAGE, monitor);
            fixture.jdbi.useTransaction(h -> writer.append(h, event()));
            long parkedId = park(fixture.jdbi);

            CdcSlots.drop(ds, config);
            await(() -> monitor.current().state() == SlotStatus.State.MISSING, LONG, "the monitor to see the drop");
            var refused = assertThrows(
                    OutboxException.WritesRefusedException.class,
                    () -> fixture.jdbi.useTransaction(h -> writer.append(h, event())));
            assertTrue(refused.getMessage().contains(config.slotName()), refused.getMessage());
            assertThrows(OutboxException.WritesRefusedException.class, () -> admin.retry(parkedId));
            assertEquals(1, admin.status().parked(), "a refused retry keeps the parked event");
            assertEquals(2.0, gauge.value(), "missing");

            CdcSlots.ensureSlot(ds, config);
            await(() -> monitor.current().state() == SlotStatus.State.OK, LONG, "the monitor to see the new slot");
            fixture.jdbi.useTransaction(h -> writer.append(h, event()));
            assertEquals(0.0, gauge.value());
            assertTrue(admin.retry(parkedId));
            assertEquals(0, admin.status().parked());
        }
    }

    /**
     * A server of its own (the setting is cluster-wide): {@code max_slot_wal_keep_size} of 1 MB, a slot nobody
     * reads, and a few WAL segments written and checkpointed make PostgreSQL invalidate the slot.
     */
    @Test
    void aSlotInvalidatedByPostgresqlRefusesWrites(@TempDir Path dir) {
        try (var server = EmbeddedPostgres.start(dir.resolve("pg"), 0)) {
            server.createDatabaseIfAbsent("invalidated");
            String url = server.jdbcUrl("invalidated");
            Jdbi jdbi = Jdbi.create(url, EmbeddedPostgres.USER, "");
            DataSource ds = CdcTestSupport.dataSource(url, EmbeddedPostgres.USER);
            jdbi.useHandle(h -> {
                h.execute("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'");
                h.execute("SELECT pg_reload_conf()");
                h.execute("CREATE TABLE filler (n bigint, junk text)");
            });
            await(
                    () -> "1MB"
                            .equals(jdbi.withHandle(h -> h.createQuery("SHOW max_slot_wal_keep_size")
                                    .mapTo(String.class)
                                    .one())),
                    LONG,
                    "the setting to apply");
            CdcConfig config = CdcConfig.builder("invalidated", url, EmbeddedPostgres.USER, "")
                    .build();
            CdcSlots.ensureSlot(ds, config);
            assertEquals(SlotStatus.State.OK, CdcSlots.status(ds, config).state());

            // Each round writes WAL and moves to a new segment; checkpoints then remove what the slot still needs.
            await(
                    () -> {
                        jdbi.useHandle(h -> {
                            h.execute("INSERT INTO filler SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
                            h.execute("SELECT pg_switch_wal()");
                            h.execute("CHECKPOINT");
                        });
                        return CdcSlots.status(ds, config).state() == SlotStatus.State.INVALIDATED;
                    },
                    LONG,
                    "PostgreSQL to invalidate the slot");
            SlotStatus status = CdcSlots.status(ds, config);
            assertTrue(!status.acceptsWrites() && status.detail().contains("invalidated"), status.detail());
            try (var monitor = CdcSlotMonitor.start(ds, config, Duration.ofSeconds(5))) {
                var registry = new SimpleMeterRegistry();
                CdcMeterBinder.slotState(monitor).bindTo(registry);
                assertEquals(3.0, registry.get("relay.cdc.slot.state").gauge().value(), "invalidated");
                var writer = JdbiOutbox.writer(
                        OutboxWriter.create(OutboxConfig.DEFAULTS, OutboxMode.LOGICAL_MESSAGE, () -> {}, monitor));
                assertThrows(
                        OutboxException.WritesRefusedException.class,
                        () -> jdbi.useTransaction(h -> writer.append(h, event())));
            }
            assertTrue(CdcSlots.drop(ds, config), "an invalidated slot is dropped like any other");
            assertEquals(SlotStatus.State.MISSING, CdcSlots.status(ds, config).state());
        }
    }

    private static OutboxEvent event() {
        return OutboxEvent.of("Thing", "k", "ThingChanged", "slot-health", "{}");
    }

    /** A parked event as the CDC relay leaves one (shard -1, its WAL position as id). */
    private static long park(Jdbi jdbi) {
        long id = 1_000_000_007L;
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO outbox_parked (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                                   payload, headers, created_at, attempts, last_error)
                        VALUES (:id, :eventId, -1, 'Thing', 'k', 'ThingChanged', 'slot-health', '{}', '{}', now(), 5,
                                'RecordTooLargeException')
                        """)
                .bind("id", id)
                .bind("eventId", UUID.randomUUID())
                .execute());
        return id;
    }
}
