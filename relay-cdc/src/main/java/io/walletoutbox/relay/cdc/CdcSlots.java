package io.walletoutbox.relay.cdc;

import io.walletoutbox.outbox.internal.sql.NamedSql;
import io.walletoutbox.relay.cdc.internal.Connections;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The CDC relay's server-side state: its replication slot and publication. A slot keeps every WAL segment from
 * its confirmed position on, whoever reads it, so a deployment that leaves CDC must drop it.
 *
 * <p>Each method takes a connection of the given {@link DataSource} and runs its statements on it as the pool hands
 * it out (auto-commit), not in a transaction; a failing statement throws {@code OutboxException.DatabaseException}.
 */
public final class CdcSlots {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CdcSlots.class);

    private static final NamedSql PUBLICATION_EXISTS =
            NamedSql.of("SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = :name)");
    private static final NamedSql FAILOVER_SLOTS =
            NamedSql.of("SELECT current_setting('server_version_num')::int >= 170000");
    private static final NamedSql EXISTING_SLOT = NamedSql.of("""
            SELECT coalesce(database, '') || ' ' || coalesce(plugin, '') AS owner,
                   coalesce((to_jsonb(s) ->> 'failover')::boolean, false) AS failover, active
            FROM pg_replication_slots s WHERE slot_name = :slot""");
    private static final NamedSql EXPECTED_OWNER = NamedSql.of("SELECT current_database() || ' pgoutput'");
    private static final NamedSql CREATE_FAILOVER_SLOT = NamedSql.of(
            "SELECT lsn::text FROM pg_create_logical_replication_slot(:slot, 'pgoutput', false, false, true)");
    private static final NamedSql CREATE_SLOT =
            NamedSql.of("SELECT lsn::text FROM pg_create_logical_replication_slot(:slot, 'pgoutput')");
    private static final NamedSql STATUS = NamedSql.of("""
            SELECT s.database = current_database() AS ours, s.plugin, s.active,
                   to_jsonb(s) ->> 'wal_status' AS wal_status,
                   to_jsonb(s) ->> 'invalidation_reason' AS invalidation_reason,
                   coalesce((to_jsonb(s) ->> 'conflicting')::boolean, false) AS conflicting
            FROM pg_replication_slots s WHERE s.slot_name = :slot
            """);
    private static final NamedSql DROP_SLOT = NamedSql.of("""
            SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots
            WHERE slot_name = :slot
            """);
    private static final NamedSql TABLE_EXISTS = NamedSql.of("SELECT to_regclass(:table) IS NOT NULL");

    private CdcSlots() {}

    /**
     * Creates the publication of {@code config} when absent (a publication of no table; see {@link CdcConfig}).
     *
     * @param dataSource the outbox database, as a role that may create a publication
     * @param config names the publication
     */
    public static void ensurePublication(DataSource dataSource, CdcConfig config) {
        Connections.with(dataSource, "CDC publication " + config.publicationName(), c -> {
            boolean exists = PUBLICATION_EXISTS
                    .on(c)
                    .bind("name", config.publicationName())
                    .one(rs -> rs.getBoolean(1));
            if (!exists) {
                try (var s = c.createStatement()) {
                    // The name is a validated identifier (CdcConfig); DDL takes no bind parameters.
                    s.execute("CREATE PUBLICATION " + config.publicationName());
                }
            }
            return null;
        });
    }

    /**
     * Creates the slot of {@code config} ({@code pgoutput}) when absent. From the moment it exists, the server keeps
     * every change committed after it for the relay, so a relay creates it before it reports itself started:
     * events committed after {@code start()} returned are never missed, even when the engine starts later. Creating a
     * logical slot waits for the transactions running at that moment to end. A slot of that name that belongs to
     * another database (slot names are cluster-wide) or plugin is refused with an {@link IllegalStateException}.
     *
     * <p>On PostgreSQL 17 and later the slot is a failover slot ({@code failover = true}): a standby with {@code
     * sync_replication_slots=on} keeps a copy of it, so after a promotion the relay resumes on the new primary where
     * it left off (docs/operations.md, PostgreSQL failover). A slot made before without it is switched to failover
     * when no relay reads it at that moment ({@code ALTER_REPLICATION_SLOT}); otherwise a warning says so. Older
     * servers have no failover slots: there a promotion loses the slot.
     *
     * @param dataSource the outbox database, as a role with the {@code REPLICATION} attribute
     * @param config names the slot
     */
    public static void ensureSlot(DataSource dataSource, CdcConfig config) {
        boolean alter = Connections.with(dataSource, "CDC slot " + config.slotName(), h -> {
            boolean failover = FAILOVER_SLOTS.on(h).one(rs -> rs.getBoolean(1));
            Optional<ExistingSlot> existing = EXISTING_SLOT
                    .on(h)
                    .bind("slot", config.slotName())
                    .findOne(rs -> new ExistingSlot(
                            rs.getString("owner"), rs.getBoolean("failover"), rs.getBoolean("active")));
            if (existing.isPresent()) {
                String expected = EXPECTED_OWNER.on(h).one(rs -> rs.getString(1));
                if (!existing.get().owner().equals(expected)) {
                    // Slot names are cluster-wide: another database's relay (or another tool) owns this one.
                    throw new IllegalStateException("replication slot " + config.slotName() + " exists for another"
                            + " database or plugin (" + existing.get().owner().strip() + "), not for this one ("
                            + expected + "); give this deployment a slot of its own");
                }
                if (failover && !existing.get().failover()) {
                    if (existing.get().active()) {
                        log.warn(
                                "replication slot {} is not a failover slot and a relay reads it: a promotion of a"
                                        + " standby would lose it; it is made a failover slot at the next start"
                                        + " that finds it idle",
                                config.slotName());
                        return false;
                    }
                    return true;
                }
                return false;
            }
            try {
                (failover ? CREATE_FAILOVER_SLOT : CREATE_SLOT)
                        .on(h)
                        .bind("slot", config.slotName())
                        .one(rs -> rs.getString(1));
            } catch (SQLException e) {
                if (!isDuplicate(e)) {
                    throw e; // another instance creating the same slot at the same time is fine
                }
            }
            return false;
        });
        if (alter) {
            makeFailover(config);
        }
    }

    private record ExistingSlot(String owner, boolean failover, boolean active) {}

    /** {@code ALTER_REPLICATION_SLOT … (FAILOVER true)}, a replication-protocol command; a failure is logged. */
    private static void makeFailover(CdcConfig config) {
        var props = new java.util.Properties();
        props.setProperty("user", config.user());
        props.setProperty("password", config.password());
        props.setProperty("replication", "database");
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("assumeMinServerVersion", "10");
        try (var c = java.sql.DriverManager.getConnection(config.jdbcUrl(), props);
                var s = c.createStatement()) {
            // The name is a validated identifier (CdcConfig); replication commands take no bind parameters.
            s.execute("ALTER_REPLICATION_SLOT " + config.slotName() + " ( FAILOVER true )");
            log.info("replication slot {} is now a failover slot", config.slotName());
        } catch (java.sql.SQLException e) {
            log.warn(
                    "replication slot {} could not be made a failover slot (a promotion of a standby would lose it):"
                            + " {}",
                    config.slotName(),
                    e.getMessage());
        }
    }

    /**
     * The health of {@code config}'s slot: one indexed read of {@code pg_replication_slots} (a few hundred
     * microseconds; still, callers on a hot path should cache it: {@link CdcSlotMonitor}). Works on PostgreSQL 13 and
     * later; {@code invalidation_reason} (17+) and {@code conflicting} (16+) are used when the server has them.
     *
     * @param dataSource the outbox database
     * @param config names the slot
     * @return the slot's state and what it means
     */
    public static SlotStatus status(DataSource dataSource, CdcConfig config) {
        Objects.requireNonNull(config, "config");
        String slot = config.slotName();
        // to_jsonb of the whole row: the columns that say "invalidated" differ between PostgreSQL versions.
        Optional<SlotRow> row = Connections.with(
                dataSource,
                "CDC slot status " + slot,
                h -> STATUS.on(h)
                        .bind("slot", slot)
                        .findOne(rs -> new SlotRow(
                                rs.getBoolean("ours"),
                                rs.getString("plugin"),
                                rs.getBoolean("active"),
                                rs.getString("wal_status"),
                                rs.getString("invalidation_reason"),
                                rs.getBoolean("conflicting"))));
        if (row.isEmpty()) {
            return new SlotStatus(
                    SlotStatus.State.MISSING,
                    "replication slot " + slot + " does not exist; events written now would reach no relay:"
                            + " start an instance of this deployment (it creates the slot) after checking what was"
                            + " lost (docs/operations.md, CDC relay)");
        }
        SlotRow r = row.get();
        if (!r.ours() || !"pgoutput".equals(r.plugin())) {
            return new SlotStatus(
                    SlotStatus.State.MISSING,
                    "replication slot " + slot + " belongs to another database or plugin; give this deployment a"
                            + " slot of its own");
        }
        if ("lost".equals(r.walStatus()) || r.invalidationReason() != null || r.conflicting()) {
            return new SlotStatus(
                    SlotStatus.State.INVALIDATED,
                    "replication slot " + slot + " was invalidated by PostgreSQL (wal_status " + r.walStatus()
                            + ", reason " + (r.invalidationReason() == null ? "unknown" : r.invalidationReason())
                            + "): it can never be read again; drop it (docs/operations.md, CDC relay) and restart");
        }
        if ("unreserved".equals(r.walStatus())) {
            return new SlotStatus(
                    SlotStatus.State.AT_RISK,
                    "replication slot " + slot + " retains more WAL than max_slot_wal_keep_size and will be"
                            + " invalidated at the next checkpoint unless the relay catches up (relay "
                            + (r.active() ? "reading" : "not reading") + ")");
        }
        return new SlotStatus(
                SlotStatus.State.OK,
                "replication slot " + slot + " ok (wal_status " + r.walStatus() + ", "
                        + (r.active() ? "a relay is reading it" : "no relay reading it right now") + ")");
    }

    private record SlotRow(
            boolean ours,
            String plugin,
            boolean active,
            String walStatus,
            String invalidationReason,
            boolean conflicting) {}

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
     * @param dataSource the outbox database, as a role that may drop the slot and the publication
     * @param config names the slot, the publication and the offsets table
     * @return true when a slot was dropped
     */
    public static boolean drop(DataSource dataSource, CdcConfig config) {
        Objects.requireNonNull(config, "config");
        return Connections.with(dataSource, "dropping CDC slot " + config.slotName(), h -> {
            int slots = DROP_SLOT.on(h).bind("slot", config.slotName()).one(rs -> rs.getInt(1));
            try (var s = h.createStatement()) {
                s.execute("DROP PUBLICATION IF EXISTS " + config.publicationName());
            }
            boolean table =
                    TABLE_EXISTS.on(h).bind("table", config.offsetsTable()).one(rs -> rs.getBoolean(1));
            if (table) {
                // The table name is validated (CdcConfig): a plain or schema-qualified identifier.
                NamedSql.of("DELETE FROM " + config.offsetsTable() + " WHERE engine = :engine")
                        .on(h)
                        .bind("engine", config.slotName())
                        .execute();
            }
            return slots > 0;
        });
    }
}
