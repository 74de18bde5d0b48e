package io.walletoutbox.relay.cdc;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.jdbi.v3.core.Jdbi;

/**
 * The CDC relay's own gauge: {@code relay.cdc.slot.retained.wal.bytes} (Prometheus {@code
 * relay_cdc_slot_retained_wal_bytes}), the WAL the slot holds back, {@code pg_current_wal_lsn() -
 * confirmed_flush_lsn}; NaN while the slot does not exist. Read at most once per cache time (2 s by default). It
 * describes the database, so every instance reports the same value: aggregate with {@code max}. Alert when it
 * grows without bound: the relay is down or stuck, and the server's disk fills.
 */
public final class CdcMeterBinder implements MeterBinder {
    private final Jdbi jdbi;
    private final String slotName;
    private final Tags tags;
    private final Duration cacheTtl;
    private final Clock clock;
    private double cached = Double.NaN;
    private long cachedAtMillis = Long.MIN_VALUE;

    /** The gauge of {@code config}'s slot, tagged with its instance id. */
    public CdcMeterBinder(Jdbi jdbi, CdcConfig config) {
        this(jdbi, config, Duration.ofSeconds(2), Clock.systemUTC());
    }

    /** As {@link #CdcMeterBinder(Jdbi, CdcConfig)}, with the cache time and clock given. */
    public CdcMeterBinder(Jdbi jdbi, CdcConfig config, Duration cacheTtl, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.slotName = config.slotName();
        this.tags = Tags.of("slot", config.slotName()); // no per-process tag: Prometheus adds the target's instance
        this.cacheTtl = Objects.requireNonNull(cacheTtl, "cacheTtl");
        this.clock = Objects.requireNonNull(clock, "clock");
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

    /** The slot's retained WAL in bytes, read at most once per cache time; NaN when there is no such slot. */
    public synchronized double retainedWalBytes() {
        long now = clock.millis();
        if (cachedAtMillis == Long.MIN_VALUE || now - cachedAtMillis >= cacheTtl.toMillis()) {
            cached = jdbi.withHandle(h -> h.createQuery("""
                            SELECT CAST(pg_current_wal_lsn() - confirmed_flush_lsn AS float8)
                            FROM pg_replication_slots WHERE slot_name = :slot
                            """)
                            .bind("slot", slotName)
                            .mapTo(Double.class)
                            .findOne())
                    .orElse(Double.NaN);
            cachedAtMillis = now;
        }
        return cached;
    }
}
