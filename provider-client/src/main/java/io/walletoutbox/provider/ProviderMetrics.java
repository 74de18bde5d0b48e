package io.walletoutbox.provider;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * The provider module's metrics. Create one, hand it to {@link BillerClient#create} and {@link
 * BillPaymentConsumer#create}, and bind it to the app's registry ({@link #bindTo}); the recording methods are
 * called by this module's components. Counts and gauges are kept here and read by the registry, so nothing
 * counted before binding is lost; latencies are recorded into the timers of the registries bound so far.
 */
public final class ProviderMetrics implements MeterBinder {
    /** Values of the {@code biller.circuit.state} gauge. */
    public static final int CIRCUIT_CLOSED = 0, CIRCUIT_HALF_OPEN = 1, CIRCUIT_OPEN = 2;

    /** The {@code status} values of {@code biller.config.faults}; fixed, so each series exists from the start. */
    private static final List<String> CONFIG_FAULT_STATUSES = List.of("401", "403", "404");

    private final LongAdder paid = new LongAdder(), declined = new LongAdder(), unknown = new LongAdder();
    private final LongAdder configFault = new LongAdder();
    private final Map<String, LongAdder> configFaults =
            CONFIG_FAULT_STATUSES.stream().collect(Collectors.toUnmodifiableMap(s -> s, s -> new LongAdder()));
    private final LongAdder error = new LongAdder(), retries = new LongAdder(), deadLettered = new LongAdder();
    private final LongAdder duplicates = new LongAdder(), ignored = new LongAdder();
    private final List<Timer> latencies = new CopyOnWriteArrayList<>();
    private final AtomicInteger circuitState = new AtomicInteger(CIRCUIT_CLOSED);
    private final AtomicLong lag = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong awaitingReconciliation = new AtomicLong();

    @Override
    public void bindTo(MeterRegistry registry) {
        call(registry, "paid", paid);
        call(registry, "declined", declined);
        call(registry, "unknown", unknown);
        call(registry, "error", error);
        call(registry, "config_fault", configFault);
        for (String status : CONFIG_FAULT_STATUSES) {
            FunctionCounter.builder("biller.config.faults", configFaults.get(status), LongAdder::sum)
                    .description("Biller answers that refused this service rather than a payment (401/403: the"
                            + " credential; 404 on POST /v1/payments: the URL); the payment stays pending and is"
                            + " retried")
                    .tag("status", status)
                    .baseUnit("responses")
                    .register(registry);
        }
        counter(
                registry,
                "biller.retries",
                retries,
                "requests",
                "Biller requests repeated with the same idempotency key after a retryable failure");
        latencies.add(Timer.builder("biller.call.latency")
                .description("Duration of one HTTP request to the biller, answered or not")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry));
        Gauge.builder("biller.circuit.state", circuitState, AtomicInteger::get)
                .description("Circuit breaker in front of the biller: 0 closed, 1 half-open, 2 open")
                .register(registry);
        gauge(
                registry,
                "bill.payments.consumer.lag",
                lag,
                "records",
                "Records not yet fetched by the bill-payment consumer, summed over its partitions");
        gauge(
                registry,
                "bill.payments.in.flight",
                inFlight,
                "records",
                "Records fetched and not yet finished by the bill-payment consumer");
        gauge(
                registry,
                "bill.payments.reconciliation.pending",
                awaitingReconciliation,
                "payments",
                "Payments whose biller outcome stayed unknown past the horizon, awaiting an operator");
        counter(
                registry,
                "bill.payments.dead.lettered",
                deadLettered,
                "records",
                "Records the bill-payment consumer could not process and sent to the dead-letter topic");
        counter(
                registry,
                "bill.payments.duplicates",
                duplicates,
                "events",
                "Redelivered bill-payment events skipped or rolled back because the inbox had them");
        counter(
                registry,
                "bill.payments.ignored",
                ignored,
                "records",
                "Records of other event types the bill-payment consumer acknowledged and skipped");
    }

    private static void call(MeterRegistry registry, String outcome, LongAdder adder) {
        FunctionCounter.builder("biller.calls", adder, LongAdder::sum)
                .description("Bill payments sent to the biller, by final outcome after retries")
                .tag("outcome", outcome)
                .baseUnit("payments")
                .register(registry);
    }

    private static void counter(MeterRegistry registry, String name, LongAdder adder, String unit, String description) {
        FunctionCounter.builder(name, adder, LongAdder::sum)
                .description(description)
                .baseUnit(unit)
                .register(registry);
    }

    private static void gauge(MeterRegistry registry, String name, AtomicLong value, String unit, String description) {
        Gauge.builder(name, value, AtomicLong::get)
                .description(description)
                .baseUnit(unit)
                .register(registry);
    }

    /** One {@link BillerClient#pay} ended with {@code outcome}. */
    public void billerCall(BillerOutcome outcome) {
        switch (outcome) {
            case BillerOutcome.Paid p -> paid.increment();
            case BillerOutcome.Declined d -> declined.increment();
            case BillerOutcome.Unknown u -> unknown.increment();
            case BillerOutcome.ConfigurationFault f -> configFault.increment();
        }
    }

    /**
     * The biller answered {@code status} ({@code 401}, {@code 403}, or {@code 404} on the payments route): a
     * configuration fault. Other statuses are not counted here.
     */
    public void billerConfigurationFault(int status) {
        LongAdder adder = configFaults.get(Integer.toString(status));
        if (adder != null) {
            adder.increment();
        }
    }

    /** One {@link BillerClient#pay} ended with an exception instead of an outcome. */
    public void billerCallError() {
        error.increment();
    }

    /** One HTTP request to the biller took {@code d}. */
    public void billerRequest(Duration d) {
        for (Timer t : latencies) {
            t.record(d);
        }
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
        return "ProviderMetrics[paid=" + paid.sum() + " declined=" + declined.sum() + " unknown=" + unknown.sum()
                + " configFault=" + configFault.sum() + " retries=" + retries.sum() + " deadLettered="
                + deadLettered.sum() + "]";
    }
}
