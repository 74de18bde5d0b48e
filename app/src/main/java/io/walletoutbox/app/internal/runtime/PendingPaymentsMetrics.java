package io.walletoutbox.app.internal.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.walletoutbox.outbox.BoundedRead;
import java.time.Duration;
import java.util.Objects;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invariant I7 as a number: {@code bill.payments.pending.oldest.age}, the age of the oldest payment that is still
 * PENDING and not listed for an operator (in reconciliation). It joins the wallet's and the provider's tables, which
 * only the app knows together. Read at most every five seconds, never holding a scrape more than two ({@link
 * BoundedRead}); NaN while the database does not answer.
 */
final class PendingPaymentsMetrics implements MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(PendingPaymentsMetrics.class);
    private final Jdbi jdbi;
    private final BoundedRead<Double> oldest;

    PendingPaymentsMetrics(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.oldest = new BoundedRead<>(
                this::query, Double.NaN, Duration.ofSeconds(5), Duration.ofSeconds(2), System::nanoTime);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("bill.payments.pending.oldest.age", this, PendingPaymentsMetrics::oldest)
                .strongReference(true)
                .description("Age of the oldest PENDING bill payment not listed for an operator (0 when none)")
                .baseUnit("seconds")
                .register(registry);
    }

    double oldest() {
        return oldest.get();
    }

    private double query() {
        try {
            return jdbi.withHandle(h -> h.createQuery("""
                            SELECT coalesce(extract(epoch FROM clock_timestamp() - min(p.created_at)), 0)
                            FROM bill_payment p
                            WHERE p.status = 'PENDING'
                              AND NOT EXISTS (SELECT 1 FROM provider_reconciliation r
                                              WHERE r.payment_id = p.id AND r.resolved_at IS NULL)
                            """).mapTo(Double.class).one());
        } catch (RuntimeException e) {
            log.warn("reading the oldest pending payment failed; the gauge reports NaN until it works again", e);
            return Double.NaN;
        }
    }
}
