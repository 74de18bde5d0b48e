package io.walletoutbox.relay.cdc;

import java.util.Objects;
import org.jdbi.v3.core.Jdbi;

/**
 * The CDC relay's server-side state: its replication slot and publication. A slot keeps every WAL segment from
 * its confirmed position on, whoever reads it, so a deployment that leaves CDC must drop it.
 */
public final class CdcSlots {
    private CdcSlots() {}

    /** Creates the publication of {@code config} when absent (a publication of no table; see {@link CdcConfig}). */
    public static void ensurePublication(Jdbi jdbi, CdcConfig config) {
        jdbi.useHandle(h -> {
            boolean exists = h.createQuery("SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = :name)")
                    .bind("name", config.publicationName())
                    .mapTo(Boolean.class)
                    .one();
            if (!exists) {
                // The name is a validated identifier (CdcConfig); DDL takes no bind parameters.
                h.execute("CREATE PUBLICATION " + config.publicationName());
            }
        });
    }

    /**
     * Creates the slot of {@code config} ({@code pgoutput}) when absent. From the moment it exists, the server keeps
     * every change committed after it for the relay, so a relay creates it before it reports itself started:
     * events committed after {@code start()} returned are never missed, even when the engine starts later. Creating a
     * logical slot waits for the transactions running at that moment to end. A slot of that name that belongs to
     * another database (slot names are cluster-wide) or plugin is refused with an {@link IllegalStateException}.
     */
    public static void ensureSlot(Jdbi jdbi, CdcConfig config) {
        jdbi.useHandle(h -> {
            var existing = h.createQuery("""
                            SELECT coalesce(database, '') || ' ' || coalesce(plugin, '') FROM pg_replication_slots
                            WHERE slot_name = :slot""")
                    .bind("slot", config.slotName())
                    .mapTo(String.class)
                    .findOne();
            if (existing.isPresent()) {
                String expected = h.createQuery("SELECT current_database() || ' pgoutput'")
                        .mapTo(String.class)
                        .one();
                if (!existing.get().equals(expected)) {
                    // Slot names are cluster-wide: another database's relay (or another tool) owns this one.
                    throw new IllegalStateException("replication slot " + config.slotName() + " exists for another"
                            + " database or plugin (" + existing.get().strip() + "), not for this one (" + expected
                            + "); give this deployment a slot of its own");
                }
                return;
            }
            try {
                h.createQuery("SELECT lsn::text FROM pg_create_logical_replication_slot(:slot, 'pgoutput')")
                        .bind("slot", config.slotName())
                        .mapTo(String.class)
                        .one();
            } catch (RuntimeException e) {
                if (!isDuplicate(e)) {
                    throw e; // another instance creating the same slot at the same time is fine
                }
            }
        });
    }

    private static boolean isDuplicate(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "42710".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Drops the slot, the publication and the stored offsets of {@code config}: run it with every CDC relay of
     * the deployment stopped (an active slot cannot be dropped). Idempotent.
     *
     * @return true when a slot was dropped
     */
    public static boolean drop(Jdbi jdbi, CdcConfig config) {
        Objects.requireNonNull(config, "config");
        return jdbi.withHandle(h -> {
            int slots = h.createQuery("""
                            SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots
                            WHERE slot_name = :slot
                            """)
                    .bind("slot", config.slotName())
                    .mapTo(Integer.class)
                    .one();
            h.execute("DROP PUBLICATION IF EXISTS " + config.publicationName());
            boolean table = h.createQuery("SELECT to_regclass(:table) IS NOT NULL")
                    .bind("table", config.offsetsTable())
                    .mapTo(Boolean.class)
                    .one();
            if (table) {
                h.createUpdate("DELETE FROM " + config.offsetsTable() + " WHERE engine = :engine")
                        .bind("engine", config.slotName())
                        .execute();
            }
            return slots > 0;
        });
    }
}
