package io.walletoutbox.provider;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
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
    private final LongAdder error = new LongAdder(), retries = new LongAdder();
    private final Map<DeadLetterReason, LongAdder> deadLettered = adders(DeadLetterReason.values());
    private final LongAdder duplicates = new LongAdder(), ignored = new LongAdder();
    private final LongAdder contradictions = new LongAdder();
    private final List<Timer> latencies = new CopyOnWriteArrayList<>();
    // Per biller, created when its client is; registered with every registry bound before or after.
    private final Map<String, AtomicInteger> circuitStates = new ConcurrentHashMap<>();
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final AtomicLong lag = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong awaitingReconciliation = new AtomicLong();
    private final AtomicLong oldestReconciliationSeconds = new AtomicLong();
    private final Map<Escalation, LongAdder> escalated = adders(Escalation.values());
    private final Map<String, LongAdder> resolved = new LinkedHashMap<>();

    /** Why a payment was put in reconciliation: the {@code reason} tag of {@code bill.payments.reconciliation.escalated}. */
    public enum Escalation {
        /** The biller's outcome stayed unknown past the reconciliation horizon. */
        UNKNOWN_OUTCOME,
        /** Recording failed (database, recorder) for longer than the consumer's {@code maxRecordRetry}. */
        TRANSIENT_FAILURE,
        /** The ledger refused the outcome. */
        LEDGER_REFUSED,
        /** The payment's biller is not configured. */
        UNKNOWN_BILLER,
        /** An operator discarded the payment's parked {@code BillPaymentRequested} event. */
        DISCARDED,
        /** The payment's own event was dead-lettered as unparseable. */
        UNPARSEABLE,
        /** The payment's own event was dead-lettered for an event type no consumer handles. */
        UNKNOWN_EVENT_TYPE,
        /** The payment stayed PENDING past {@code RECONCILIATION_AFTER} with no entry (the job's sweep). */
        NO_PROGRESS,
        /** A biller answer contradicts the payment's recorded terminal status or a settled entry. */
        CONTRADICTION;

        /** Lower case, dashes: {@code unknown-outcome}, … */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** Who resolved a reconciliation entry: the {@code how} tag of {@code bill.payments.reconciliation.resolved}. */
    public static final List<String> RESOLVED_BY = List.of("job", "operator");

    /**
     * How an entry was settled: the {@code outcome} tag ({@code paid}; {@code declined}: the biller declined, or an
     * operator said so; {@code not-charged}: failed and refunded because the biller never charged and its key
     * retention passed).
     */
    public static final List<String> RESOLVED_OUTCOMES = List.of("paid", "declined", "not-charged");

    public ProviderMetrics() {
        for (String how : RESOLVED_BY) {
            for (String outcome : RESOLVED_OUTCOMES) {
                resolved.put(how + "/" + outcome, new LongAdder());
            }
        }
    }

    private static <E extends Enum<E>> Map<E, LongAdder> adders(E[] values) {
        Map<E, LongAdder> map = new LinkedHashMap<>();
        for (E e : values) {
            map.put(e, new LongAdder());
        }
        return Map.copyOf(map);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        registries.add(registry);
        circuitStates.forEach((biller, state) -> registerCircuit(registry, biller, state));
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
                "bill.payments.held",
                held,
                "records",
                "Records in flight held up by a failing biller or database (retrying, or queued behind such a record"
                        + " of the same wallet); they do not count against the fetch bound");
        gauge(
                registry,
                "bill.payments.reconciliation.pending",
                awaitingReconciliation,
                "payments",
                "Unresolved reconciliation entries: payments neither settled nor refunded that the reconciliation job"
                        + " keeps asking the biller about, or that wait for an operator");
        gauge(
                registry,
                "bill.payments.reconciliation.oldest.age",
                oldestReconciliationSeconds,
                "seconds",
                "Age of the oldest unresolved reconciliation entry (0 when there is none)");
        for (var e : escalated.entrySet()) {
            FunctionCounter.builder("bill.payments.reconciliation.escalated", e.getValue(), LongAdder::sum)
                    .description("Payments put in reconciliation, by why")
                    .tag("reason", e.getKey().label())
                    .baseUnit("payments")
                    .register(registry);
        }
        for (var e : resolved.entrySet()) {
            String[] parts = e.getKey().split("/");
            FunctionCounter.builder("bill.payments.reconciliation.resolved", e.getValue(), LongAdder::sum)
                    .description("Reconciliation entries settled, by who (the job or an operator) and how")
                    .tag("how", parts[0])
                    .tag("outcome", parts[1])
                    .baseUnit("payments")
                    .register(registry);
        }
        for (var e : deadLettered.entrySet()) {
            FunctionCounter.builder("bill.payments.dead.lettered", e.getValue(), LongAdder::sum)
                    .description("Records the bill-payment consumer gave up on for good and sent to the dead-letter"
                            + " topic, by reason")
                    .tag("reason", e.getKey().label())
                    .baseUnit("records")
                    .register(registry);
        }
        counter(
                registry,
                "bill.payments.duplicates",
                duplicates,
                "events",
                "Redelivered bill-payment events skipped or rolled back because the inbox had them");
        // No base unit: Prometheus renders it bill_payments_contradictions_total, the name the alert uses.
        FunctionCounter.builder("bill.payments.contradictions", contradictions, LongAdder::sum)
                .description("Biller answers that contradict a payment's recorded terminal status or a settled"
                        + " reconciliation entry: no money moved, the payment is in reconciliation with reason"
                        + " contradiction")
                .register(registry);
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
            case BillerOutcome.NotCharged n -> unknown.increment();
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

    /** The circuit breaker of biller {@value Billers#DEFAULT_ID} moved to {@code state} ({@link #CIRCUIT_CLOSED}, …). */
    public void circuitState(int state) {
        circuitGauge(Billers.DEFAULT_ID).accept(state);
    }

    /**
     * The setter of biller {@code billerId}'s {@code biller.circuit.state} gauge (tag {@code biller}), created and
     * registered (with every registry bound so far and later) on first use, at {@link #CIRCUIT_CLOSED}.
     */
    public IntConsumer circuitGauge(String billerId) {
        AtomicInteger state = circuitStates.computeIfAbsent(billerId, id -> {
            var created = new AtomicInteger(CIRCUIT_CLOSED);
            registries.forEach(r -> registerCircuit(r, id, created));
            return created;
        });
        return state::set;
    }

    private static void registerCircuit(MeterRegistry registry, String biller, AtomicInteger state) {
        Gauge.builder("biller.circuit.state", state, AtomicInteger::get)
                .description("Circuit breaker in front of a biller: 0 closed, 1 half-open, 2 open")
                .tag("biller", biller)
                .register(registry);
    }

    /** The consumer's lag (records) summed over its assigned partitions. */
    public void consumerLag(long records) {
        lag.set(records);
    }

    /** Records fetched and not yet finished. */
    public void inFlight(long records) {
        inFlight.set(records);
    }

    /** A record went to the dead-letter topic for {@code reason}. */
    public void deadLettered(DeadLetterReason reason) {
        deadLettered.get(reason).increment();
    }

    /** Records in flight held up by a failing dependency. */
    public void held(long records) {
        held.set(records);
    }

    /** A payment was put in reconciliation. */
    public void escalated(Escalation reason) {
        escalated.get(reason).increment();
    }

    /**
     * A reconciliation entry was settled by {@code how} (one of {@link #RESOLVED_BY}) as {@code outcome} (one of
     * {@link #RESOLVED_OUTCOMES}).
     */
    public void resolved(String how, String outcome) {
        LongAdder adder = resolved.get(how + "/" + outcome);
        if (adder == null) {
            throw new IllegalArgumentException("unknown resolution " + how + "/" + outcome);
        }
        adder.increment();
    }

    /** Unresolved reconciliation entries and the age of the oldest ({@link Duration#ZERO} when none). */
    public void reconciliation(long unresolved, Duration oldest) {
        awaitingReconciliation.set(unresolved);
        oldestReconciliationSeconds.set(Math.max(0, oldest.toSeconds()));
    }

    /** A biller answer contradicted a recorded terminal status or a settled entry. */
    public void contradiction() {
        contradictions.increment();
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
                + deadLettered.values().stream().mapToLong(LongAdder::sum).sum() + "]";
    }
}
