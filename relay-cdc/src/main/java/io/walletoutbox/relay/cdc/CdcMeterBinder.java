package io.walletoutbox.relay.cdc;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import io.walletoutbox.relay.cdc.internal.Connections;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The CDC relay's own gauge: {@code relay.cdc.slot.retained.wal.bytes} (Prometheus {@code
 * relay_cdc_slot_retained_wal_bytes}), the WAL the slot holds back, {@code pg_current_wal_lsn() -
 * confirmed_flush_lsn}; NaN while the slot does not exist. Read at most once per cache time (2 s by default). It
 * describes the database, so every instance reports the same value: aggregate with {@code max}. Alert when it
 * grows without bound: the relay is down or stuck, and the server's disk fills.
 *
 * <p>The one class of this module that names Micrometer's types (an optional dependency): the relay, the slot
 * tools and the {@link CdcSlotMonitor} run without Micrometer on the path; {@link #slotState} binds the monitor's
 * gauge.
 */
public final class CdcMeterBinder implements MeterBinder {
    private static final NamedSql RETAINED_WAL = NamedSql.of("""
            SELECT CAST(pg_current_wal_lsn() - confirmed_flush_lsn AS float8)
            FROM pg_replication_slots WHERE slot_name = :slot
            """);

    private final DataSource dataSource;
    private final String slotName;
    private final Tags tags;
    private final Duration cacheTtl;
    private final Clock clock;
    private double cached = Double.NaN;
    private long cachedAtMillis = Long.MIN_VALUE;

    /**
     * The gauge of {@code config}'s slot, read on a connection of {@code dataSource}.
     *
     * @param dataSource the outbox database
     * @param config names the slot
     */
    public CdcMeterBinder(DataSource dataSource, CdcConfig config) {
        this(dataSource, config, Duration.ofSeconds(2), Clock.systemUTC());
    }

    /**
     * As {@link #CdcMeterBinder(DataSource, CdcConfig)}, with the cache time and clock given.
     *
     * @param dataSource the outbox database
     * @param config names the slot
     * @param cacheTtl how long a value read is reported before the slot is read again
     * @param clock measures {@code cacheTtl}
     */
    public CdcMeterBinder(DataSource dataSource, CdcConfig config, Duration cacheTtl, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.slotName = config.slotName();
        this.tags = Tags.of("slot", config.slotName()); // no per-process tag: Prometheus adds the target's instance
        this.cacheTtl = Objects.requireNonNull(cacheTtl, "cacheTtl");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The gauge {@code relay.cdc.slot.state} (Prometheus {@code relay_cdc_slot_state}, tag {@code slot}) of {@code
     * monitor}'s cached status: its severity, {@code 0} OK, {@code 1} AT_RISK, {@code 2} MISSING, {@code 3}
     * INVALIDATED. Alert at {@code >= 2} (payments refused), warn at {@code 1}. Reading it never touches the
     * database.
     *
     * @param monitor the slot monitor whose status is reported
     * @return a binder of that one gauge
     */
    public static MeterBinder slotState(CdcSlotMonitor monitor) {
        Objects.requireNonNull(monitor, "monitor");
        return registry -> Gauge.builder(
                        "relay.cdc.slot.state",
                        monitor,
                        m -> m.current().state().severity())
                .description("State of the CDC replication slot: 0 ok, 1 at risk, 2 missing, 3 invalidated;"
                        + " writes are refused from 2")
                .tags(Tags.of("slot", monitor.slotName()))
                .strongReference(true)
                .register(registry);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("relay.cdc.slot.retained.wal.bytes", this, CdcMeterBinder::retainedWalBytes)
                .description("WAL the relay's replication slot holds back: current WAL position - confirmed position")
                .baseUnit(BaseUnits.BYTES)
                .tags(tags)
                .strongReference(true) // callers need not keep the binder
                .register(registry);
    }

    /**
     * The slot's retained WAL in bytes, read at most once per cache time; NaN when there is no such slot.
     *
     * @return bytes of WAL the slot retains, or NaN
     */
    public synchronized double retainedWalBytes() {
        long now = clock.millis();
        if (cachedAtMillis == Long.MIN_VALUE || now - cachedAtMillis >= cacheTtl.toMillis()) {
            cached = Connections.with(
                            dataSource,
                            "CDC slot retained WAL",
                            c -> RETAINED_WAL.on(c).bind("slot", slotName).findOne(rs -> {
                                double bytes = rs.getDouble(1);
                                return rs.wasNull() ? null : bytes; // no confirmed position yet: no value
                            }))
                    .orElse(Double.NaN);
            cachedAtMillis = now;
        }
        return cached;
    }
}
