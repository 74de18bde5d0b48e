package io.walletoutbox.relay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.cdc.internal.SlotAdvancer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * A slot's {@code restart_lsn} moves only to a logged snapshot of the running transactions: the CDC relay's {@link
 * SlotAdvancer} logs one when the slot has confirmed a megabyte or more beyond it, so the next confirmation lets
 * that WAL go.
 */
class CdcSlotAdvancerIT {
    private static final long MB = 1024 * 1024;

    @Test
    void aSnapshotLoggedAfterTheConfirmedPositionLetsTheNextConfirmationReleaseTheWal() throws Exception {
        try (var fixture = new RelayFixture("cdc_advance", OutboxMode.LOGICAL_MESSAGE)) {
            Jdbi jdbi = fixture.jdbi;
            String slot = "cdc_advance_" + ProcessHandle.current().pid();
            jdbi.useHandle(
                    h -> h.createQuery("SELECT lsn::text FROM pg_create_logical_replication_slot(:s, 'pgoutput')")
                            .bind("s", slot)
                            .mapTo(String.class)
                            .one());
            fixture.register(() -> jdbi.useHandle(h -> h.createQuery("SELECT pg_drop_replication_slot(:s)::text")
                    .bind("s", slot)
                    .mapTo(String.class)
                    .one()));
            var advancer = new SlotAdvancer(CdcTestSupport.dataSource(fixture), slot, "advance-test");
            assertFalse(advancer.advanceIfBehind(), "nothing confirmed beyond the restart point yet");

            // Two megabytes of WAL, then a confirmation of all of it (as the relay's after Kafka's acks).
            jdbi.useHandle(h -> {
                h.execute("CREATE TABLE filler (id int, text text)");
                h.execute("INSERT INTO filler SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, 2000) g");
            });
            // The confirmation alone does not release it: no snapshot was logged after the slot was made (the
            // background writer logs one every 15 s).
            confirmAll(jdbi, slot);

            assertTrue(advancer.advanceIfBehind(), "confirmed a megabyte or more beyond restart_lsn: a snapshot");
            // The snapshot record is not flushed by itself (the WAL writer does so within 200 ms, or the next
            // commit, as the writers' under load); a decoder reads only flushed WAL.
            jdbi.useHandle(h -> h.execute("INSERT INTO filler VALUES (0, '')"));
            confirmAll(jdbi, slot);
            long retained = retained(jdbi, slot);
            assertTrue(retained < MB, "the next confirmation releases the WAL, retained " + retained + " bytes");
            assertFalse(advancer.advanceIfBehind(), "caught up: nothing more to log");
        }
    }

    private static void confirmAll(Jdbi jdbi, String slot) {
        jdbi.useHandle(
                h -> h.createQuery("SELECT end_lsn::text FROM pg_replication_slot_advance(:s, pg_current_wal_lsn())")
                        .bind("s", slot)
                        .mapTo(String.class)
                        .one());
    }

    private static long retained(Jdbi jdbi, String slot) {
        return jdbi.withHandle(h -> h.createQuery("SELECT CAST(pg_current_wal_lsn() - restart_lsn AS bigint)"
                        + " FROM pg_replication_slots WHERE slot_name = :s")
                .bind("s", slot)
                .mapTo(Long.class)
                .one());
    }
}
