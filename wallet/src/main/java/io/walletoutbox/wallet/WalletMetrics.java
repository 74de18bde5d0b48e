package io.walletoutbox.wallet;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.walletoutbox.outbox.BoundedRead;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's gauges, read from the database at most once per {@code cacheFor} and never holding a scrape more
 * than two seconds ({@link BoundedRead}):
 *
 * <ul>
 *   <li>{@code ledger.payments} (tag {@code status}: PENDING, SUCCEEDED, FAILED): bill payments by status.
 *   <li>{@code ledger.clearing.balance} (tag {@code currency}): money held in biller clearing, i.e. debited from
 *       wallets and not yet settled or refunded, in minor units. A currency's gauge appears once it has a
 *       clearing account.
 * </ul>
 *
 * No ids are tags: statuses are three, currencies at most the ISO 4217 list. When the database cannot be read,
 * the gauges report NaN until it can.
 */
public final class WalletMetrics implements MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(WalletMetrics.class);

    private final Jdbi jdbi;
    private final BoundedRead<Snapshot> snapshot;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final Set<String> currencies = ConcurrentHashMap.newKeySet();

    /** Gauges over {@code jdbi}'s database, cached for {@code cacheFor} (0 to 5 minutes). */
    public WalletMetrics(Jdbi jdbi, Duration cacheFor) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        Objects.requireNonNull(cacheFor, "cacheFor");
        if (cacheFor.isNegative() || cacheFor.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("cacheFor must be 0 to 5 minutes, was " + cacheFor);
        }
        this.snapshot = new BoundedRead<>(this::read, FAILED, cacheFor, Duration.ofSeconds(2), System::nanoTime);
    }

    /** Gauges cached for 5 seconds. */
    public WalletMetrics(Jdbi jdbi) {
        this(jdbi, Duration.ofSeconds(5));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (BillPayment.Status status : BillPayment.Status.values()) {
            Gauge.builder("ledger.payments", this, m -> m.current().payments(status))
                    .strongReference(true)
                    .tag("status", status.name())
                    .description("Bill payments by status")
                    .baseUnit("payments")
                    .register(registry);
        }
        Gauge.builder(
                        "ledger.payments.pending.oldest.age",
                        this,
                        m -> m.current().oldestPendingSeconds())
                .strongReference(true)
                .description("Age of the oldest PENDING bill payment (0 when none): money held for a payment that has"
                        + " not reached SUCCEEDED or FAILED")
                .baseUnit("seconds")
                .register(registry);
        synchronized (this) {
            // current() registers the currencies it discovers with the registries bound before this one; this one
            // gets every known currency here, once, and later discoveries through current().
            current();
            currencies.forEach(currency -> registerClearing(registry, currency));
            registries.add(registry);
        }
    }

    private void registerClearing(MeterRegistry registry, String currency) {
        Gauge.builder("ledger.clearing.balance", this, m -> m.current().clearing(currency))
                .strongReference(true)
                .tag("currency", currency)
                .description("Money held in biller clearing: debited from wallets, not yet settled or refunded")
                .baseUnit("minor_units")
                .register(registry);
    }

    private synchronized Snapshot current() {
        Snapshot now = snapshot.get();
        for (String currency : now.clearing().keySet()) {
            if (currencies.add(currency)) {
                registries.forEach(r -> registerClearing(r, currency));
            }
        }
        return now;
    }

    private Snapshot read() {
        try {
            return jdbi.inTransaction(h -> {
                Map<String, Long> payments = h
                        .createQuery("SELECT status, count(*) AS n FROM bill_payment GROUP BY status")
                        .map((rs, ctx) -> Map.entry(rs.getString("status"), rs.getLong("n")))
                        .stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                Map<String, BigDecimal> clearing = h
                        .createQuery("""
                                SELECT currency, sum(balance) AS held FROM account
                                WHERE kind = 'BILLER_CLEARING' GROUP BY currency
                                """)
                        .map((rs, ctx) -> Map.entry(rs.getString("currency"), rs.getBigDecimal("held")))
                        .stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                double oldest = h.createQuery("""
                                SELECT coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)
                                FROM bill_payment WHERE status = 'PENDING'
                                """).mapTo(Double.class).one();
                return new Snapshot(payments, clearing, oldest, true);
            });
        } catch (RuntimeException e) {
            log.warn("reading the ledger gauges failed; they report NaN until it works again", e);
            return FAILED;
        }
    }

    private static final Snapshot FAILED = new Snapshot(Map.of(), Map.of(), Double.NaN, false);

    private record Snapshot(
            Map<String, Long> byStatus, Map<String, BigDecimal> clearing, double oldestPendingSeconds, boolean ok) {
        double payments(BillPayment.Status status) {
            return ok ? byStatus.getOrDefault(status.name(), 0L) : Double.NaN;
        }

        double clearing(String currency) {
            return ok ? clearing.getOrDefault(currency, BigDecimal.ZERO).doubleValue() : Double.NaN;
        }
    }
}
