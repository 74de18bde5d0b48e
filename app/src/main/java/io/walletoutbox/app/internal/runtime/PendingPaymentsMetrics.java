package io.walletoutbox.app.internal.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invariant I7 as a number: {@code bill.payments.pending.oldest.age}, the age of the oldest payment that is still
 * PENDING and not listed for an operator (in reconciliation). It joins the wallet's and the provider's tables, which
 * only the app knows together. Read at most every five seconds; NaN while the database does not answer.
 */
final class PendingPaymentsMetrics implements MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(PendingPaymentsMetrics.class);
    private static final long CACHE_NANOS = 5_000_000_000L;

    private final Jdbi jdbi;
    private double value; // guarded by this
    private long readAt; // guarded by this
    private boolean read; // guarded by this

    PendingPaymentsMetrics(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("bill.payments.pending.oldest.age", this, PendingPaymentsMetrics::oldest)
                .strongReference(true)
                .description("Age of the oldest PENDING bill payment not listed for an operator (0 when none)")
                .baseUnit("seconds")
                .register(registry);
    }

    synchronized double oldest() {
        long now = System.nanoTime();
        if (!read || now - readAt >= CACHE_NANOS) {
            value = query();
            readAt = now;
            read = true;
        }
        return value;
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
