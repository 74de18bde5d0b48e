package io.walletoutbox.relay;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.walletoutbox.outbox.BoundedRead;
import io.walletoutbox.outbox.OutboxAdmin;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's metrics. Bind it to a registry, then pass it to {@link PollingRelay#create} as the {@link
 * RelayMetrics}; events reported before binding are not counted.
 *
 * <ul>
 *   <li>{@code outbox.backlog} (rows), {@code outbox.oldest.age} (seconds), {@code outbox.parked} (rows): gauges
 *       read from the database through {@link OutboxAdmin#status()}, at most once per {@code statusCacheTtl}
 *       (2 s by default) however often they are scraped. They describe the whole outbox, so every instance
 *       reports the same values: aggregate them with {@code max}, not {@code sum}.
 *   <li>{@code relay.published} (acks received), {@code relay.failed} (tag {@code kind=retriable|permanent|denied};
 *       {@code denied}: Kafka refused this client, authentication or authorization, retried until an operator fixes
 *       it), {@code relay.parked}, {@code relay.unreadable} (logical messages with the outbox prefix that are no event), {@code
 *       relay.foreign.topic} (events naming a topic that is not one of the
 *       relay's, {@link RelayTopics}: parked at once, never sent): counters of this instance.
 *   <li>{@code relay.batch.size}: events per claimed batch. {@code relay.publish.latency}: from the event's
 *       {@code createdAt} (just before its commit) to Kafka's ack, with a histogram.
 *   <li>{@code relay.shards.owned}: shard leases this instance holds right now.
 * </ul>
 *
 * <p>No meter carries an instance tag: Prometheus adds the scrape target's own {@code instance} label, and a
 * per-process id would start new series at every restart.
 */
public final class RelayMeterBinder implements MeterBinder, RelayMetrics {
    private static final Logger log = LoggerFactory.getLogger(RelayMeterBinder.class);
    private final OutboxAdmin admin;
    private final Tags tags;
    private final AtomicInteger shardsOwned = new AtomicInteger();
    private volatile Counter published;
    private volatile Counter failedRetriable;
    private volatile Counter failedPermanent;
    private volatile Counter failedDenied;
    private volatile Counter parked;
    private volatile Counter foreignTopic;
    private volatile Counter unreadable;
    private volatile DistributionSummary batchSize;
    private volatile Timer latency;
    private final BoundedRead<OutboxAdmin.Status> status;

    /**
     * Metrics of this relay instance, reading the outbox gauges through {@code admin} every 2 s.
     *
     * @param admin reads the outbox's status for the gauges
     */
    public RelayMeterBinder(OutboxAdmin admin) {
        this(admin, Duration.ofSeconds(2), Clock.systemUTC());
    }

    /**
     * As {@link #RelayMeterBinder(OutboxAdmin)}, with the gauges' cache time and clock given.
     *
     * @param admin reads the outbox's status for the gauges
     * @param statusCacheTtl how long a status read serves the gauges before the next read
     * @param clock the clock the cache time is measured with
     * @throws NullPointerException when an argument is null
     */
    public RelayMeterBinder(OutboxAdmin admin, Duration statusCacheTtl, Clock clock) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.tags = Tags.empty();
        Objects.requireNonNull(statusCacheTtl, "statusCacheTtl");
        Objects.requireNonNull(clock, "clock");
        this.status = new BoundedRead<>(
                () -> {
                    try {
                        return admin.status();
                    } catch (RuntimeException e) {
                        log.warn(
                                "reading the outbox status failed; its gauges report NaN until it works again: {}",
                                e.toString());
                        return null;
                    }
                },
                null,
                statusCacheTtl,
                Duration.ofSeconds(2),
                () -> clock.millis() * 1_000_000L);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(
                        "outbox.backlog",
                        this,
                        b -> b.status() == null ? Double.NaN : b.status().backlog())
                .description("Outbox events committed and not yet acknowledged by Kafka")
                .baseUnit(BaseUnits.ROWS)
                .tags(tags)
                .register(registry);
        Gauge.builder(
                        "outbox.oldest.age",
                        this,
                        b -> b.status() == null
                                ? Double.NaN
                                : b.status().oldestAge().toNanos() / 1e9)
                .description("Age of the oldest unpublished outbox event")
                .baseUnit("seconds")
                .tags(tags)
                .register(registry);
        Gauge.builder(
                        "outbox.parked",
                        this,
                        b -> b.status() == null ? Double.NaN : b.status().parked())
                .description("Outbox events Kafka rejected for good, waiting for an operator")
                .baseUnit(BaseUnits.ROWS)
                .tags(tags)
                .register(registry);
        Gauge.builder("relay.shards.owned", shardsOwned, AtomicInteger::get)
                .description("Outbox shards this relay instance holds a lease on")
                .tags(tags)
                .register(registry);
        published = Counter.builder("relay.published")
                .description("Events acknowledged by Kafka")
                .baseUnit(BaseUnits.EVENTS)
                .tags(tags)
                .register(registry);
        failedRetriable = failedCounter(registry, "retriable");
        failedPermanent = failedCounter(registry, "permanent");
        failedDenied = failedCounter(registry, "denied");
        parked = Counter.builder("relay.parked")
                .description("Events parked after too many rejections")
                .baseUnit(BaseUnits.EVENTS)
                .tags(tags)
                .register(registry);
        foreignTopic = Counter.builder("relay.foreign.topic")
                .description("Events naming a topic that is not one of the relay's: parked at once, never sent")
                .baseUnit(BaseUnits.EVENTS)
                .tags(tags)
                .register(registry);
        unreadable = Counter.builder("relay.unreadable")
                .description("Logical messages with the outbox prefix that are no event of the service's writer:"
                        + " skipped, never sent")
                .baseUnit(BaseUnits.EVENTS)
                .tags(tags)
                .register(registry);
        batchSize = DistributionSummary.builder("relay.batch.size")
                .description("Events per claimed batch")
                .baseUnit(BaseUnits.EVENTS)
                .publishPercentileHistogram()
                .tags(tags)
                .register(registry);
        latency = Timer.builder("relay.publish.latency")
                .description("Time from an event's creation (its commit) to Kafka's acknowledgement")
                .publishPercentileHistogram()
                .tags(tags)
                .register(registry);
    }

    private Counter failedCounter(MeterRegistry registry, String kind) {
        return Counter.builder("relay.failed")
                .description("Failed sends: retriable ones are retried, permanent ones count towards parking,"
                        + " denied ones (Kafka refused this client) are retried until an operator fixes access")
                .baseUnit(BaseUnits.EVENTS)
                .tags(tags.and("kind", kind))
                .register(registry);
    }

    /**
     * The outbox status, read at most once per cache time and never holding a scrape more than two seconds ({@link
     * BoundedRead}); null (the gauges report NaN) while no read has succeeded, and for a cache time after a failed
     * one, so a scrape while the database is away waits once, not once per gauge.
     */
    OutboxAdmin.Status status() {
        return status.get();
    }

    @Override
    public void batchClaimed(int size) {
        if (batchSize != null) {
            batchSize.record(size);
        }
    }

    @Override
    public void published(Duration sinceCreated) {
        Counter counter = published;
        Timer timer = latency;
        if (counter != null && timer != null) {
            counter.increment();
            timer.record(sinceCreated.isNegative() ? Duration.ZERO : sinceCreated);
        }
    }

    @Override
    public void failed(boolean permanent) {
        Counter c = permanent ? failedPermanent : failedRetriable;
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void denied() {
        Counter c = failedDenied;
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void parked() {
        if (parked != null) {
            parked.increment();
        }
    }

    @Override
    public void foreignTopic() {
        Counter c = foreignTopic;
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void unreadable() {
        Counter c = unreadable;
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void shardsOwned(int delta) {
        shardsOwned.addAndGet(delta);
    }
}
