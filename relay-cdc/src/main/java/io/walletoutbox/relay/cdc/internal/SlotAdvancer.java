package io.walletoutbox.relay.cdc.internal;

import io.walletoutbox.outbox.internal.sql.NamedSql;
import io.walletoutbox.relay.internal.PeriodicTask;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the slot's {@code restart_lsn} follow what the relay confirmed, so the slot retains seconds of WAL under load
 * instead of up to a minute.
 *
 * <p>The relay confirms each batch's position right after Kafka acked it ({@code confirmed_flush_lsn} stays within
 * a batch of the end of the WAL), but the WAL a slot retains is counted from its {@code restart_lsn}, and
 * PostgreSQL moves that only to a snapshot of the running transactions it has logged ({@code xl_running_xacts}),
 * older than every transaction still open there. Those are logged by the background writer every 15 s and at
 * checkpoints, and under a steady load a transaction is always open, so {@code restart_lsn} trails by 15 to 45 s
 * of WAL: the soak benchmark measured a saw-tooth between 20 and 115 MB at 5,000 events/s.
 *
 * <p>So once per {@link #INTERVAL}, when the slot has confirmed at least {@link #MIN_GAP_BYTES} beyond its {@code
 * restart_lsn}, this logs such a snapshot itself, {@code pg_log_standby_snapshot()} (PostgreSQL 16 and later; a
 * record of a few dozen bytes, and the WAL sender writes a small snapshot file when it decodes it). The next
 * confirmation moves {@code restart_lsn} up to it. An idle slot confirms nothing new and logs nothing.
 *
 * <p>The function is for superusers unless granted ({@code GRANT EXECUTE ON FUNCTION pg_log_standby_snapshot() TO
 * relay_user}); without it, or before PostgreSQL 16, the relay says so once in its log and the slot keeps the
 * server's own pace.
 */
public final class SlotAdvancer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SlotAdvancer.class);
    /** How often the slot is looked at. */
    static final Duration INTERVAL = Duration.ofSeconds(1);
    /** Confirmed WAL beyond {@code restart_lsn} that makes a snapshot worth logging. */
    public static final long MIN_GAP_BYTES = 1024 * 1024;

    private static final NamedSql IN_RECOVERY = NamedSql.of("SELECT pg_is_in_recovery()");
    private static final NamedSql MAY_LOG_SNAPSHOT = NamedSql.of("""
            SELECT coalesce(has_function_privilege(
                to_regprocedure('pg_log_standby_snapshot()'), 'EXECUTE'), false)
            """);
    private static final NamedSql BEHIND = NamedSql.of("""
            SELECT coalesce(confirmed_flush_lsn - restart_lsn >= :gap, false)
            FROM pg_replication_slots WHERE slot_name = :slot
            """);
    private static final NamedSql LOG_SNAPSHOT = NamedSql.of("SELECT pg_log_standby_snapshot()::text");

    private final DataSource dataSource;
    private final String slot;
    private final String instanceId;
    private final PeriodicTask task;
    /** Null until known: whether this user may call {@code pg_log_standby_snapshot()} on this server. */
    private Boolean allowed;

    public SlotAdvancer(DataSource dataSource, String slot, String instanceId) {
        this.dataSource = dataSource;
        this.slot = slot;
        this.instanceId = instanceId;
        this.task = new PeriodicTask("relay-cdc-" + instanceId + "-slot", INTERVAL, this::advanceIfBehind, e -> {
            // A failover, a restart of the server: the next round tries again.
            allowed = null;
            log.debug("CDC relay {}: slot check failed: {}", instanceId, e.toString());
        });
    }

    void start() {
        task.start();
    }

    /** One check: logs a running-transactions snapshot when the slot's restart point lags what it confirmed. */
    public boolean advanceIfBehind() {
        return Connections.with(dataSource, "CDC slot check", h -> {
            if (allowed == null) {
                if (IN_RECOVERY.on(h).one(rs -> rs.getBoolean(1))) {
                    return false; // a standby (the relay reads the primary's slot): asked again next time
                }
                allowed = MAY_LOG_SNAPSHOT.on(h).one(rs -> rs.getBoolean(1));
                if (!allowed) {
                    log.info(
                            "CDC relay {}: the database user may not call pg_log_standby_snapshot() (PostgreSQL 16"
                                    + " and later, superuser or GRANT EXECUTE), so slot {} retains WAL up to the"
                                    + " server's own snapshots, 15 s or more of WAL under load",
                            instanceId,
                            slot);
                }
            }
            if (!allowed) {
                return false;
            }
            boolean behind = BEHIND.on(h)
                    .bind("gap", MIN_GAP_BYTES)
                    .bind("slot", slot)
                    .findOne(rs -> rs.getBoolean(1))
                    .orElse(false);
            if (behind) {
                LOG_SNAPSHOT.on(h).one(rs -> rs.getString(1));
            }
            return behind;
        });
    }

    @Override
    public void close() {
        task.close();
    }
}
