package io.walletoutbox.relay.cdc;

import io.walletoutbox.outbox.WriteGate;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slot's {@link SlotStatus}, read by {@link CdcSlots#status} in a background (virtual) thread every refresh
 * interval and cached, so that the writers can ask on every append without touching the database: it is the
 * {@link WriteGate} of a CDC-mode {@code OutboxWriter} (and {@code OutboxAdmin}), refusing while the slot is
 * {@link SlotStatus.State#MISSING} or {@link SlotStatus.State#INVALIDATED}, and the source of a readiness check.
 *
 * <p>{@link CdcMeterBinder#slotState} reports the cached state as the gauge {@code relay.cdc.slot.state}; the monitor
 * itself names no Micrometer type, so it runs without Micrometer.
 *
 * <p>A slot dropped or invalidated is seen within one refresh interval; writes committed in that window are lost
 * with the slot's other unread events. When a read fails (the database unreachable) the last status is kept: the
 * writers fail on the database anyway.
 */
public final class CdcSlotMonitor implements WriteGate, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CdcSlotMonitor.class);

    private final DataSource dataSource;
    private final CdcConfig config;
    private final Duration interval;
    private final Object lock = new Object();
    private final Thread thread;
    private volatile SlotStatus current;
    private boolean closed;

    private CdcSlotMonitor(DataSource dataSource, CdcConfig config, Duration interval) {
        this.dataSource = dataSource;
        this.config = config;
        this.interval = interval;
        this.current = CdcSlots.status(dataSource, config);
        this.thread =
                Thread.ofVirtual().name("cdc-slot-monitor-" + config.slotName()).unstarted(this::loop);
    }

    /**
     * Reads the status once (so {@link #current()} is known on return; a failure to read propagates) and starts
     * refreshing it every {@code interval} (5 s is a good default: one cheap query per process).
     *
     * @param dataSource the outbox database, read on one of its connections at each refresh
     * @param config names the slot
     * @param interval time between two reads
     * @return the monitor, started
     */
    public static CdcSlotMonitor start(DataSource dataSource, CdcConfig config, Duration interval) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive");
        }
        var monitor = new CdcSlotMonitor(dataSource, config, interval);
        monitor.thread.start();
        return monitor;
    }

    /** The slot watched, for {@link CdcMeterBinder#slotState}'s tag. */
    String slotName() {
        return config.slotName();
    }

    /**
     * The status last read; never blocks.
     *
     * @return the status of the last read
     */
    public SlotStatus current() {
        return current;
    }

    /**
     * Reads the status now, caches and returns it.
     *
     * @return the status just read
     */
    public SlotStatus refresh() {
        SlotStatus next = CdcSlots.status(dataSource, config);
        SlotStatus previous = current;
        current = next;
        if (previous.state() != next.state()) {
            if (next.acceptsWrites() && next.state() == SlotStatus.State.OK) {
                log.info("CDC slot {}: {}", config.slotName(), next.detail());
            } else if (next.acceptsWrites()) {
                log.warn("CDC slot {}: {}", config.slotName(), next.detail());
            } else {
                log.error("CDC slot {}: writes refused: {}", config.slotName(), next.detail());
            }
        }
        return next;
    }

    /** Empty while the slot {@link SlotStatus#acceptsWrites() accepts writes}; else the status's detail. */
    @Override
    public Optional<String> refusal() {
        SlotStatus status = current;
        return status.acceptsWrites() ? Optional.empty() : Optional.of(status.detail());
    }

    private void loop() {
        while (true) {
            synchronized (lock) {
                long deadline = System.nanoTime() + interval.toNanos();
                long left;
                while (!closed && (left = deadline - System.nanoTime()) > 0) {
                    try {
                        lock.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
            }
            try {
                refresh();
            } catch (RuntimeException e) {
                log.warn(
                        "CDC slot {}: cannot read its status, keeping the last one ({}): {}",
                        config.slotName(),
                        current.state(),
                        e.toString());
            }
        }
    }

    /** Stops refreshing; {@link #current()} keeps the last status. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
