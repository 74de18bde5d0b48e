package io.walletoutbox.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcSlots;
import io.walletoutbox.relay.cdc.SlotStatus;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Replication slot names are shared by every database of a PostgreSQL cluster. A relay must not take (or wait
 * forever on) a slot of its name that another database's deployment owns: it is refused with a clear message.
 */
class CdcSlotsIT {

    @Test
    void aSlotOfTheSameNameInAnotherDatabaseIsRefusedNotShared() throws Exception {
        try (var fixture = new RelayFixture("cdc_slots", OutboxMode.LOGICAL_MESSAGE)) {
            CdcConfig ours = CdcTestSupport.config(
                    "slots",
                    fixture.url,
                    fixture.infra.user(),
                    RelayContractIT.config("slots").build());
            String otherUrl = fixture.infra.newDatabase("cdc_slots_other");
            DataSource ds = CdcTestSupport.dataSource(fixture);
            DataSource other = CdcTestSupport.dataSource(otherUrl, fixture.infra.user());
            CdcConfig theirs = CdcConfig.builder("other", otherUrl, fixture.infra.user(), "")
                    .slotName(ours.slotName())
                    .publicationName(ours.publicationName())
                    .build();
            CdcSlots.ensureSlot(other, theirs); // the other database takes the name first
            fixture.register(() -> CdcSlots.drop(other, theirs));

            var refused = assertThrows(IllegalStateException.class, () -> CdcSlots.ensureSlot(ds, ours));
            assertTrue(refused.getMessage().contains(ours.slotName()), refused.getMessage());
            assertTrue(refused.getMessage().contains("another database"), refused.getMessage());
            CdcSlots.ensureSlot(other, theirs); // its owner finds it as before
            assertEquals(
                    SlotStatus.State.MISSING,
                    CdcSlots.status(ds, ours).state(),
                    "another database's slot carries none of our events");
            assertEquals(SlotStatus.State.OK, CdcSlots.status(other, theirs).state());

            // The defaults give each database a slot of its own.
            CdcConfig ourDefaults = CdcConfig.builder("slots", fixture.url, fixture.infra.user(), "")
                    .build();
            CdcConfig theirDefaults = CdcConfig.builder("other", otherUrl, fixture.infra.user(), "")
                    .build();
            assertNotEquals(ourDefaults.slotName(), theirDefaults.slotName());
        }
    }

    @Test
    void slotsAreFailoverSlotsAndAnOldIdleOneIsSwitchedOver() throws Exception {
        try (var fixture = new RelayFixture("cdc_failover", OutboxMode.LOGICAL_MESSAGE)) {
            CdcConfig fresh = CdcConfig.builder("f", fixture.url, fixture.infra.user(), "")
                    .slotName("cdc_failover_fresh")
                    .publicationName("cdc_failover_pub")
                    .build();
            DataSource ds = CdcTestSupport.dataSource(fixture);
            CdcSlots.ensureSlot(ds, fresh);
            fixture.register(() -> CdcSlots.drop(ds, fresh));
            assertTrue(failover(fixture.jdbi, fresh.slotName()), "a new slot is a failover slot");

            CdcConfig old = CdcConfig.builder("f", fixture.url, fixture.infra.user(), "")
                    .slotName("cdc_failover_old")
                    .publicationName("cdc_failover_pub")
                    .build();
            fixture.jdbi.useHandle(
                    h -> h.execute("SELECT pg_create_logical_replication_slot('" + old.slotName() + "', 'pgoutput')"));
            fixture.register(() -> CdcSlots.drop(ds, old));
            assertEquals(false, failover(fixture.jdbi, old.slotName()));
            CdcSlots.ensureSlot(ds, old);
            assertTrue(failover(fixture.jdbi, old.slotName()), "an idle slot made before is switched to failover");
        }
    }

    private static boolean failover(Jdbi jdbi, String slot) {
        return jdbi.withHandle(h -> h.createQuery("SELECT failover FROM pg_replication_slots WHERE slot_name = :s")
                .bind("s", slot)
                .mapTo(Boolean.class)
                .one());
    }
}
