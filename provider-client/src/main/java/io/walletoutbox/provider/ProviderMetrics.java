package io.walletoutbox.provider;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The provider module's metrics. Create one, hand it to {@link BillerClient#create} and {@link
 * BillPaymentConsumer#create}, and bind it to the app's registry ({@link #bindTo}); the recording methods are
 * called by this module's components. Meters exist from construction (in an internal composite registry), so
 * nothing is lost before binding.
 */
public final class ProviderMetrics implements MeterBinder {
    /** Values of the {@code biller.circuit.state} gauge. */
    public static final int CIRCUIT_CLOSED = 0, CIRCUIT_HALF_OPEN = 1, CIRCUIT_OPEN = 2;

    private final CompositeMeterRegistry meters = new CompositeMeterRegistry();
    private final Counter paid, declined, unknown, error, retries, deadLettered, duplicates, ignored;
    private final Timer latency;
    private final AtomicInteger circuitState = new AtomicInteger(CIRCUIT_CLOSED);
    private final AtomicLong lag = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong awaitingReconciliation = new AtomicLong();

    public ProviderMetrics() {
        paid = call("paid");
        declined = call("declined");
        unknown = call("unknown");
        error = call("error");
        retries = Counter.builder("biller.retries")
                .description("Biller requests repeated with the same idempotency key after a retryable failure")
                .baseUnit("requests")
                .register(meters);
        latency = Timer.builder("biller.call.latency")
                .description("Duration of one HTTP request to the biller, answered or not")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(meters);
        Gauge.builder("biller.circuit.state", circuitState, AtomicInteger::get)
                .description("Circuit breaker in front of the biller: 0 closed, 1 half-open, 2 open")
                .register(meters);
        Gauge.builder("bill.payments.consumer.lag", lag, AtomicLong::get)
                .description("Records not yet fetched by the bill-payment consumer, summed over its partitions")
                .baseUnit("records")
                .register(meters);
        Gauge.builder("bill.payments.in.flight", inFlight, AtomicLong::get)
                .description("Records fetched and not yet finished by the bill-payment consumer")
                .baseUnit("records")
                .register(meters);
        Gauge.builder("bill.payments.reconciliation.pending", awaitingReconciliation, AtomicLong::get)
                .description("Payments whose biller outcome stayed unknown past the horizon, awaiting an operator")
                .baseUnit("payments")
                .register(meters);
        deadLettered = Counter.builder("bill.payments.dead.lettered")
                .description("Records the bill-payment consumer could not process and sent to the dead-letter topic")
                .baseUnit("records")
                .register(meters);
        duplicates = Counter.builder("bill.payments.duplicates")
                .description("Redelivered bill-payment events skipped or rolled back because the inbox had them")
                .baseUnit("events")
                .register(meters);
        ignored = Counter.builder("bill.payments.ignored")
                .description("Records of other event types the bill-payment consumer acknowledged and skipped")
                .baseUnit("records")
                .register(meters);
    }

    private Counter call(String outcome) {
        return Counter.builder("biller.calls")
                .description("Bill payments sent to the biller, by final outcome after retries")
                .tag("outcome", outcome)
                .baseUnit("payments")
                .register(meters);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        meters.add(registry);
    }

    /** One {@link BillerClient#pay} ended with {@code outcome}. */
    public void billerCall(BillerOutcome outcome) {
        switch (outcome) {
            case BillerOutcome.Paid p -> paid.increment();
            case BillerOutcome.Declined d -> declined.increment();
            case BillerOutcome.Unknown u -> unknown.increment();
        }
    }

    /** One {@link BillerClient#pay} ended with an exception instead of an outcome. */
    public void billerCallError() {
        error.increment();
    }

    /** One HTTP request to the biller took {@code d}. */
    public void billerRequest(Duration d) {
        latency.record(d);
    }

    /** A request is repeated with the same key. */
    public void retry() {
        retries.increment();
    }

    /** The circuit breaker moved to {@code state} ({@link #CIRCUIT_CLOSED}, …). */
    public void circuitState(int state) {
        circuitState.set(state);
    }

    /** The consumer's lag (records) summed over its assigned partitions. */
    public void consumerLag(long records) {
        lag.set(records);
    }

    /** Records fetched and not yet finished. */
    public void inFlight(long records) {
        inFlight.set(records);
    }

    /** A record went to the dead-letter topic. */
    public void deadLettered() {
        deadLettered.increment();
    }

    /** An event was found in the inbox already. */
    public void duplicate() {
        duplicates.increment();
    }

    /** A record of a type this consumer does not handle was acknowledged. */
    public void ignored() {
        ignored.increment();
    }

    /** Payments now awaiting reconciliation. */
    public void awaitingReconciliation(long payments) {
        awaitingReconciliation.set(payments);
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "ProviderMetrics[paid=%.0f declined=%.0f unknown=%.0f retries=%.0f deadLettered=%.0f]",
                paid.count(),
                declined.count(),
                unknown.count(),
                retries.count(),
                deadLettered.count());
    }
}
