package io.walletoutbox.provider.internal;

import io.walletoutbox.outbox.Inbox;
import io.walletoutbox.provider.BillPaymentConsumerConfig;
import io.walletoutbox.provider.BillerClient;
import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProcessingHook;
import io.walletoutbox.provider.ProviderException.PoisonRecordException;
import io.walletoutbox.provider.ProviderMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Processes one record to the end: paid, declined, sent to reconciliation, ignored or dead-lettered. A biller
 * configuration fault ends none of these: the record is retried with backoff until the biller accepts us again.
 */
final class RecordProcessor {
    private static final Logger log = LoggerFactory.getLogger(RecordProcessor.class);
    static final String INBOX_CONSUMER = BillPaymentConsumerConfig.DEFAULT_GROUP;
    /** The MDC keys set while a record is processed. */
    static final List<String> MDC_KEYS = List.of("eventId", "paymentId", "walletId", "traceId");

    private static final Backoff TRANSIENT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

    /** Thrown inside the transaction to roll it back when a duplicate won the inbox row. */
    private static final class DuplicateEvent extends RuntimeException {
        DuplicateEvent() {
            super(null, null, false, false);
        }
    }

    private final BillPaymentConsumerConfig config;
    private final Jdbi jdbi;
    private final Inbox inbox;
    private final BillerClient biller;
    private final OutcomeRecorder recorder;
    private final ProviderMetrics metrics;
    private final ProcessingHook hook;
    private final DeadLetters deadLetters;
    private final Backoff unknownBackoff;

    RecordProcessor(
            BillPaymentConsumerConfig config,
            Jdbi jdbi,
            BillerClient biller,
            OutcomeRecorder recorder,
            ProviderMetrics metrics,
            ProcessingHook hook,
            DeadLetters deadLetters) {
        this.config = config;
        this.jdbi = jdbi;
        this.inbox = Inbox.create();
        this.biller = biller;
        this.recorder = recorder;
        this.metrics = metrics;
        this.hook = hook;
        this.deadLetters = deadLetters;
        this.unknownBackoff = new Backoff(config.unknownRetryInitial(), config.unknownRetryMax());
    }

    /**
     * Returns true when the record is done with (its offset may be committed), false when it was abandoned
     * because {@code cancelled} turned true or the thread was interrupted.
     */
    boolean process(ConsumerRecord<String, byte[]> record, BooleanSupplier cancelled) {
        try {
            return processWithRetries(record, cancelled);
        } finally {
            MDC_KEYS.forEach(MDC::remove);
        }
    }

    private boolean processWithRetries(ConsumerRecord<String, byte[]> record, BooleanSupplier cancelled) {
        int poisonAttempts = 0;
        int failures = 0;
        Instant firstAttempt = Instant.now();
        while (!cancelled.getAsBoolean()) {
            Duration wait;
            try {
                return handle(record, cancelled, firstAttempt);
            } catch (PoisonRecordException e) {
                poisonAttempts++;
                if (poisonAttempts < config.poisonAttempts()) {
                    wait = TRANSIENT.delay(
                            poisonAttempts, ThreadLocalRandom.current().nextDouble());
                } else {
                    try {
                        deadLetter(record, e, poisonAttempts);
                        return true;
                    } catch (RuntimeException sendFailure) {
                        failures++;
                        log.warn(
                                "dead-lettering failed, will retry offset={} error={}",
                                record.offset(),
                                sendFailure.toString());
                        wait = TRANSIENT.delay(
                                Math.min(failures, 30),
                                ThreadLocalRandom.current().nextDouble());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (RuntimeException e) {
                // Database down, a recorder or hook failure, the dead-letter topic unreachable: transient until
                // proven otherwise, so retry the same record (never skip it: it may be a payment).
                failures++;
                log.warn(
                        "processing failed, will retry partition={} offset={} key={} attempt={} error={}",
                        record.partition(),
                        record.offset(),
                        record.key(),
                        failures,
                        e.toString());
                wait = TRANSIENT.delay(
                        Math.min(failures, 30), ThreadLocalRandom.current().nextDouble());
            }
            try {
                if (!pause(wait, cancelled)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, PoisonRecordException e, int attempts) {
        log.warn(
                "dead-lettering record topic={} partition={} offset={} key={} error={}",
                record.topic(),
                record.partition(),
                record.offset(),
                record.key(),
                e.getMessage());
        deadLetters.send(record, e, attempts);
        metrics.deadLettered();
    }

    private boolean handle(ConsumerRecord<String, byte[]> record, BooleanSupplier cancelled, Instant firstAttempt)
            throws InterruptedException {
        String type = PaymentEvent.header(record.headers(), "ce_type");
        // Every log line about this record carries its ids (fields of the JSON log format).
        String ceId = PaymentEvent.header(record.headers(), "ce_id");
        if (ceId != null) {
            MDC.put("eventId", ceId);
        }
        switch (PaymentEvent.kindOf(type)) {
            case IGNORED -> {
                metrics.ignored();
                return true;
            }
            case POISON -> throw new PoisonRecordException("unprocessable ce_type: " + type);
            case PAYMENT_REQUESTED -> {}
        }
        PaymentEvent event = PaymentEvent.parse(record.headers(), record.value());
        MDC.put("paymentId", event.paymentId().toString());
        MDC.put("walletId", event.walletId());
        if (event.traceparent() != null && event.traceparent().length() >= 35) {
            MDC.put("traceId", event.traceparent().substring(3, 35));
        }
        if (jdbi.withHandle(h -> inbox.isProcessed(h, INBOX_CONSUMER, event.eventId()))) {
            metrics.duplicate();
            log.debug("skipping processed event eventId={} paymentId={}", event.eventId(), event.paymentId());
            return true;
        }
        int attempts = 0;
        // The reconciliation horizon counts only time the outcome stayed unknown: a configuration fault (the
        // biller refusing our credential or URL) says nothing about the payment, so it restarts the horizon
        // instead of letting a credential outage send every pending payment to reconciliation.
        Instant horizonStart = firstAttempt;
        BillerOutcome outcome;
        retry:
        while (true) {
            if (cancelled.getAsBoolean()) {
                return false;
            }
            attempts++;
            outcome = biller.pay(event.call());
            switch (outcome) {
                case BillerOutcome.Paid p -> {
                    break retry;
                }
                case BillerOutcome.Declined d -> {
                    break retry;
                }
                case BillerOutcome.ConfigurationFault fault -> {
                    // The client logged the fault (one WARN line per biller answer) and counted it; keep retrying
                    // with backoff, for as long as it takes an operator to fix the configuration.
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException();
                    }
                    log.debug(
                            "biller configuration fault, asking again paymentId={} attempt={} status={}",
                            event.paymentId(),
                            attempts,
                            fault.status());
                    if (!pause(retryDelay(attempts), cancelled)) {
                        return false;
                    }
                    horizonStart = Instant.now();
                }
                case BillerOutcome.Unknown unknown -> {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException();
                    }
                    Duration waited = Duration.between(horizonStart, Instant.now());
                    if (waited.compareTo(config.reconciliationHorizon()) >= 0) {
                        break retry;
                    }
                    log.info(
                            "biller outcome unknown, asking again paymentId={} walletId={} attempt={} cause={}",
                            event.paymentId(),
                            event.walletId(),
                            attempts,
                            unknown.cause());
                    if (!pause(
                            min(
                                    retryDelay(attempts),
                                    config.reconciliationHorizon().minus(waited)),
                            cancelled)) {
                        return false;
                    }
                }
            }
        }
        hook.beforeRecording(event.paymentId(), outcome);
        record(event, outcome, attempts, firstAttempt);
        return true;
    }

    private void record(PaymentEvent event, BillerOutcome outcome, int attempts, Instant firstAttempt) {
        try {
            jdbi.useTransaction(h -> {
                if (!inbox.markProcessed(h, INBOX_CONSUMER, event.eventId())) {
                    throw new DuplicateEvent();
                }
                switch (outcome) {
                    case BillerOutcome.Paid(var reference) -> {
                        if (!recorder.paid(h, event.paymentId(), reference)) {
                            log.info("payment was settled before paymentId={} outcome=paid", event.paymentId());
                        }
                    }
                    case BillerOutcome.Declined(var reason) -> {
                        if (!recorder.declined(h, event.paymentId(), reason)) {
                            log.info("payment was settled before paymentId={} outcome=declined", event.paymentId());
                        }
                    }
                    case BillerOutcome.Unknown(var cause) -> {
                        PostgresReconciliation.insert(h, event, cause, attempts, firstAttempt);
                        log.warn(
                                "payment outcome unknown past the horizon, awaiting reconciliation paymentId={}"
                                        + " walletId={} attempts={} cause={}",
                                event.paymentId(),
                                event.walletId(),
                                attempts,
                                cause);
                    }
                    case BillerOutcome.ConfigurationFault f ->
                        throw new IllegalStateException("a configuration fault is retried, never recorded");
                }
            });
        } catch (DuplicateEvent e) {
            metrics.duplicate();
            log.debug("a duplicate of eventId={} was recorded first", event.eventId());
            return;
        }
        switch (outcome) {
            case BillerOutcome.Paid(var reference) ->
                log.info("bill payment paid paymentId={} reference={}", event.paymentId(), reference);
            case BillerOutcome.Declined(var reason) ->
                log.info("bill payment declined paymentId={} reason={}", event.paymentId(), reason);
            case BillerOutcome.Unknown u -> refreshReconciliationGauge();
            case BillerOutcome.ConfigurationFault f -> {}
        }
    }

    private Duration retryDelay(int attempts) {
        return unknownBackoff.delay(
                Math.min(attempts, 30), ThreadLocalRandom.current().nextDouble());
    }

    /** Sets the reconciliation gauge from the table; a failure only leaves the gauge stale. */
    void refreshReconciliationGauge() {
        try {
            metrics.awaitingReconciliation(new PostgresReconciliation(jdbi).countPending());
        } catch (RuntimeException e) {
            log.warn("cannot count payments awaiting reconciliation: {}", e.toString());
        }
    }

    /** Waits {@code d} unless cancelled first (checked every 50 ms); false when cancelled. */
    private static boolean pause(Duration d, BooleanSupplier cancelled) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        while (!cancelled.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            Thread.sleep(Duration.ofNanos(Math.min(left, 50_000_000L)));
        }
        return false;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
