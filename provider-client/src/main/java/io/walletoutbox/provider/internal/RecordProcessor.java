package io.walletoutbox.provider.internal;

import io.walletoutbox.outbox.Inbox;
import io.walletoutbox.provider.BillPaymentConsumerConfig;
import io.walletoutbox.provider.BillerClient;
import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.DeadLetterReason;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProcessingHook;
import io.walletoutbox.provider.ProviderException.OutcomeRefused;
import io.walletoutbox.provider.ProviderException.PoisonRecordException;
import io.walletoutbox.provider.ProviderMetrics;
import io.walletoutbox.provider.ProviderMetrics.Escalation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Processes one record to the end: paid, declined, sent to reconciliation, ignored or dead-lettered. Failures are
 * of two classes. Permanent for the record ({@link PermanentFailure}: unparseable, an unknown event type, payment
 * or biller, a value the ledger refuses): after the configured attempts the record is dead-lettered, marked in the
 * inbox, and completed. Transient (database, recorder, Kafka, the biller's unknown outcome): retried with backoff;
 * past the bound ({@code maxRecordRetry}, or the reconciliation horizon for an unknown outcome) the payment is put
 * in reconciliation and the record completed, so the wallet's later payments proceed. A biller configuration fault
 * is neither: it is retried with backoff until the biller accepts us again, and never escalated.
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

    /** What is known of one record across its attempts. */
    private static final class Progress {
        final Instant firstAttempt = Instant.now();
        final Instant published; // the record's timestamp: no attempt at it can be older
        Instant troubleSince; // first transient failure of the current spell; a configuration fault ends a spell
        PaymentEvent event; // once parsed
        UUID eventId; // from ce_id, when it is a UUID
        boolean billerCalled;
        int permanentAttempts;
        int failures;

        Progress(long timestamp) {
            this.published = timestamp > 0 ? Instant.ofEpochMilli(timestamp) : null;
        }

        /** The earliest moment a charge under this payment's key may have been made, or null if none was tried. */
        Instant unprovenSince() {
            if (!billerCalled) {
                return null;
            }
            return published != null && published.isBefore(firstAttempt) ? published : firstAttempt;
        }
    }

    private final BillPaymentConsumerConfig config;
    private final Jdbi jdbi;
    private final Inbox inbox;
    private final Billers billers;
    private final OutcomeRecorder recorder;
    private final ProviderMetrics metrics;
    private final ProcessingHook hook;
    private final DeadLetters deadLetters;
    private final Backoff unknownBackoff;
    private final DatabaseTurns database;

    RecordProcessor(
            BillPaymentConsumerConfig config,
            Jdbi jdbi,
            Billers billers,
            OutcomeRecorder recorder,
            ProviderMetrics metrics,
            ProcessingHook hook,
            DeadLetters deadLetters) {
        this.config = config;
        this.jdbi = jdbi;
        this.inbox = Inbox.create();
        this.billers = billers;
        this.recorder = recorder;
        this.metrics = metrics;
        this.hook = hook;
        this.deadLetters = deadLetters;
        this.unknownBackoff = new Backoff(config.unknownRetryInitial(), config.unknownRetryMax());
        this.database = new DatabaseTurns(config.maxDatabaseConcurrency());
    }

    /**
     * Returns true when the record is done with (its offset may be committed), false when it was abandoned
     * because {@code cancelled} turned true or the thread was interrupted. {@code held} is run whenever the record
     * starts waiting on a failing dependency (it then holds up its lane).
     */
    boolean process(ConsumerRecord<String, byte[]> record, BooleanSupplier cancelled, Runnable held) {
        try {
            return processWithRetries(record, cancelled, held);
        } finally {
            MDC_KEYS.forEach(MDC::remove);
        }
    }

    private boolean processWithRetries(
            ConsumerRecord<String, byte[]> record, BooleanSupplier cancelled, Runnable held) {
        Progress progress = new Progress(record.timestamp());
        while (!cancelled.getAsBoolean()) {
            Duration wait;
            try {
                return handle(record, cancelled, progress, held);
            } catch (PermanentFailure e) {
                progress.permanentAttempts++;
                if (progress.permanentAttempts < config.poisonAttempts()) {
                    wait = TRANSIENT.delay(
                            progress.permanentAttempts,
                            ThreadLocalRandom.current().nextDouble());
                } else {
                    try {
                        giveUp(record, progress, e);
                        return true;
                    } catch (RuntimeException sendFailure) {
                        progress.failures++;
                        held.run();
                        log.warn(
                                "dead-lettering failed, will retry offset={} error={}",
                                record.offset(),
                                sendFailure.toString());
                        wait = TRANSIENT.delay(
                                Math.min(progress.failures, 30),
                                ThreadLocalRandom.current().nextDouble());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (RuntimeException e) {
                // Database down, a recorder or hook failure, Kafka unreachable: transient, so retry the same record
                // (never skip it: it may be a payment), and escalate it once it has failed for too long.
                progress.failures++;
                held.run();
                Instant now = Instant.now();
                if (progress.troubleSince == null) {
                    progress.troubleSince = now;
                }
                log.warn(
                        "processing failed, will retry partition={} offset={} key={} attempt={} error={}",
                        record.partition(),
                        record.offset(),
                        record.key(),
                        progress.failures,
                        e.toString());
                if (progress.event != null
                        && Duration.between(progress.troubleSince, now).compareTo(config.maxRecordRetry()) >= 0) {
                    try {
                        escalate(progress, e);
                        return true;
                    } catch (RuntimeException escalationFailure) {
                        log.warn(
                                "cannot escalate the payment to reconciliation yet paymentId={} error={}",
                                progress.event.paymentId(),
                                escalationFailure.toString());
                    }
                }
                wait = TRANSIENT.delay(
                        Math.min(progress.failures, 30),
                        ThreadLocalRandom.current().nextDouble());
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

    /**
     * A permanent failure: the dead letter first (acknowledged by Kafka), then, in one transaction, the inbox row
     * (a redelivery skips the record) and, for a payment of this ledger that cannot proceed, its reconciliation
     * entry. A crash in between dead-letters the record twice, never loses it.
     */
    private void giveUp(ConsumerRecord<String, byte[]> record, Progress progress, PermanentFailure e) {
        DeadLetterReason reason = e.reason();
        log.warn(
                "dead-lettering record reason={} topic={} partition={} offset={} key={} error={}",
                reason.label(),
                record.topic(),
                record.partition(),
                record.offset(),
                record.key(),
                e.getMessage());
        deadLetters.send(record, reason, e.getMessage(), progress.permanentAttempts);
        metrics.deadLettered(reason);
        UUID eventId = progress.event != null ? progress.event.eventId() : progress.eventId;
        if (eventId == null) {
            return; // nothing to remember it by; a redelivery is dead-lettered again
        }
        Escalation escalation = switch (reason) {
            case LEDGER_REFUSED -> Escalation.LEDGER_REFUSED;
            case UNKNOWN_BILLER -> Escalation.UNKNOWN_BILLER;
            default -> null;
        };
        boolean listed = jdbi.inTransaction(h -> {
            inbox.markProcessed(h, INBOX_CONSUMER, eventId);
            return escalation != null
                    && PostgresReconciliation.insert(
                            h,
                            progress.event,
                            escalation.label(),
                            reason.label() + ": " + e.getMessage(),
                            Math.max(1, progress.permanentAttempts),
                            progress.firstAttempt,
                            progress.unprovenSince());
        });
        if (listed) {
            metrics.escalated(escalation);
            log.warn(
                    "payment put in reconciliation reason={} paymentId={} walletId={}",
                    escalation.label(),
                    progress.event.paymentId(),
                    progress.event.walletId());
            refreshReconciliationGauge();
        }
    }

    /** A transient failure outlived the bound: the payment goes to reconciliation and the record completes. */
    private void escalate(Progress progress, RuntimeException e) {
        PaymentEvent event = progress.event;
        boolean listed;
        try {
            listed = jdbi.inTransaction(h -> {
                if (!inbox.markProcessed(h, INBOX_CONSUMER, event.eventId())) {
                    throw new DuplicateEvent();
                }
                return PostgresReconciliation.insert(
                        h,
                        event,
                        Escalation.TRANSIENT_FAILURE.label(),
                        "failed for "
                                + Duration.between(progress.troubleSince, Instant.now())
                                        .toSeconds() + " s (bound " + config.maxRecordRetry() + "): " + e,
                        progress.failures,
                        progress.firstAttempt,
                        progress.unprovenSince());
            });
        } catch (DuplicateEvent dup) {
            metrics.duplicate();
            return;
        }
        if (listed) {
            metrics.escalated(Escalation.TRANSIENT_FAILURE);
            refreshReconciliationGauge();
        }
        log.warn(
                "payment escalated to reconciliation after failing past the bound paymentId={} walletId={} failures={}"
                        + " error={}",
                event.paymentId(),
                event.walletId(),
                progress.failures,
                e.toString());
    }

    private boolean handle(
            ConsumerRecord<String, byte[]> record, BooleanSupplier cancelled, Progress progress, Runnable held)
            throws InterruptedException {
        String type = PaymentEvent.header(record.headers(), "ce_type");
        // Every log line about this record carries its ids (fields of the JSON log format).
        String ceId = PaymentEvent.header(record.headers(), "ce_id");
        if (ceId != null) {
            MDC.put("eventId", ceId);
            progress.eventId = uuidOrNull(ceId);
        }
        PaymentEvent.Kind kind = PaymentEvent.kindOf(type);
        if (kind == PaymentEvent.Kind.IGNORED) {
            metrics.ignored();
            return true;
        }
        PaymentEvent parsed = null;
        PoisonRecordException unparseable = null;
        if (kind != PaymentEvent.Kind.POISON) {
            try {
                parsed = PaymentEvent.parse(record.headers(), record.value());
            } catch (PoisonRecordException e) {
                unparseable = e;
            }
        }
        // One round trip (the recorder's check): a record given up on before (dead-lettered) or processed is in the
        // inbox, and is skipped; otherwise the payment's state in the ledger decides whether to call the biller.
        UUID candidate = parsed == null ? null : parsed.paymentId();
        OutcomeRecorder.Lookup state = atDatabase(
                false, () -> jdbi.withHandle(h -> recorder.check(h, INBOX_CONSUMER, progress.eventId, candidate)));
        if (state == OutcomeRecorder.Lookup.PROCESSED) {
            metrics.duplicate();
            log.debug("skipping processed event eventId={}", progress.eventId);
            return true;
        }
        if (kind == PaymentEvent.Kind.POISON) {
            throw type == null || type.isBlank()
                    ? new PermanentFailure(DeadLetterReason.UNPARSEABLE, "header ce_type is missing", null)
                    : new PermanentFailure(
                            DeadLetterReason.UNKNOWN_EVENT_TYPE, "no consumer handles ce_type " + type, null);
        }
        if (unparseable != null) {
            throw new PermanentFailure(DeadLetterReason.UNPARSEABLE, unparseable.getMessage(), unparseable);
        }
        PaymentEvent event = parsed;
        progress.event = event;
        MDC.put("paymentId", event.paymentId().toString());
        MDC.put("walletId", event.walletId());
        if (event.traceparent() != null && event.traceparent().length() >= 35) {
            MDC.put("traceId", event.traceparent().substring(3, 35));
        }
        switch (state) {
            case NOT_FOUND ->
                throw new PermanentFailure(
                        DeadLetterReason.UNKNOWN_PAYMENT,
                        "the ledger has no payment " + event.paymentId() + " (a record of another deployment?)",
                        null);
            case SETTLED -> {
                // Settled already (by reconciliation, say): acknowledge without asking the biller again.
                atDatabase(
                        false, () -> jdbi.inTransaction(h -> inbox.markProcessed(h, INBOX_CONSUMER, event.eventId())));
                metrics.duplicate();
                log.info("payment is settled already, acknowledging its event paymentId={}", event.paymentId());
                return true;
            }
            case PENDING, UNCHECKED -> {}
            case PROCESSED -> throw new IllegalStateException("handled above");
        }
        Optional<BillerClient> client = billers.client(event.biller());
        if (client.isEmpty()) {
            throw new PermanentFailure(
                    DeadLetterReason.UNKNOWN_BILLER,
                    "biller '" + event.biller() + "' is not configured (configured: " + billers.ids() + ")",
                    null);
        }
        BillerClient biller = client.get();
        int attempts = 0;
        // The reconciliation horizon counts only time the outcome stayed unknown: a configuration fault (the
        // biller refusing our credential or URL) says nothing about the payment, so it restarts the horizon
        // instead of letting a credential outage send every pending payment to reconciliation.
        Instant horizonStart = progress.firstAttempt;
        BillerOutcome outcome;
        retry:
        while (true) {
            if (cancelled.getAsBoolean()) {
                return false;
            }
            attempts++;
            progress.billerCalled = true;
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
                    // with backoff, for as long as it takes an operator to fix the configuration, and never
                    // escalate for it.
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException();
                    }
                    held.run();
                    progress.troubleSince = null;
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
                    held.run();
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
                case BillerOutcome.NotCharged n -> throw new IllegalStateException("pay never answers NotCharged");
            }
        }
        hook.beforeRecording(event.paymentId(), outcome);
        record(event, outcome, attempts, progress);
        return true;
    }

    private void record(PaymentEvent event, BillerOutcome outcome, int attempts, Progress progress)
            throws InterruptedException {
        try {
            if (outcome instanceof BillerOutcome.Paid || outcome instanceof BillerOutcome.Declined) {
                // The inbox entry and the outcome in one transaction of the recorder's (the wallet's: one round trip).
                OutcomeRecorder.Recorded recorded = atDatabase(
                        true,
                        () -> recorder.record(
                                jdbi, INBOX_CONSUMER, event.eventId(), event.paymentId(), event.walletId(), outcome));
                switch (recorded) {
                    case DUPLICATE -> throw new DuplicateEvent();
                    case UNCHANGED ->
                        log.info(
                                "payment was settled before paymentId={} outcome={}",
                                event.paymentId(),
                                outcome instanceof BillerOutcome.Paid ? "paid" : "declined");
                    case CHANGED -> {}
                }
            } else {
                atDatabase(
                        true,
                        () -> jdbi.inTransaction(h -> {
                            if (!inbox.markProcessed(h, INBOX_CONSUMER, event.eventId())) {
                                throw new DuplicateEvent();
                            }
                            switch (outcome) {
                                case BillerOutcome.Paid(var reference) -> {
                                    if (!recorder.paid(h, event.paymentId(), reference)) {
                                        log.info(
                                                "payment was settled before paymentId={} outcome=paid",
                                                event.paymentId());
                                    }
                                }
                                case BillerOutcome.Declined(var reason) -> {
                                    if (!recorder.declined(h, event.paymentId(), reason)) {
                                        log.info(
                                                "payment was settled before paymentId={} outcome=declined",
                                                event.paymentId());
                                    }
                                }
                                case BillerOutcome.Unknown(var cause) -> {
                                    PostgresReconciliation.insert(
                                            h,
                                            event,
                                            Escalation.UNKNOWN_OUTCOME.label(),
                                            cause,
                                            attempts,
                                            progress.firstAttempt,
                                            progress.unprovenSince());
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
                                case BillerOutcome.NotCharged n ->
                                    throw new IllegalStateException("pay never answers NotCharged");
                            }
                            return null;
                        }));
            }
        } catch (DuplicateEvent e) {
            metrics.duplicate();
            log.debug("a duplicate of eventId={} was recorded first", event.eventId());
            return;
        } catch (OutcomeRefused e) {
            throw new PermanentFailure(e.reason(), "the ledger refused the outcome: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (PermanentFailure.isLedgerRefusal(e)) {
                throw new PermanentFailure(DeadLetterReason.LEDGER_REFUSED, "the ledger refused the outcome: " + e, e);
            }
            throw e;
        }
        switch (outcome) {
            case BillerOutcome.Paid(var reference) ->
                log.info("bill payment paid paymentId={} reference={}", event.paymentId(), reference);
            case BillerOutcome.Declined(var reason) ->
                log.info("bill payment declined paymentId={} reason={}", event.paymentId(), reason);
            case BillerOutcome.Unknown u -> {
                metrics.escalated(Escalation.UNKNOWN_OUTCOME);
                refreshReconciliationGauge();
            }
            default -> {}
        }
    }

    /**
     * Runs {@code work} once one of the {@code maxDatabaseConcurrency} database turns is free. The wait has no
     * timeout (unlike the connection pool's): records queue here instead of failing, a biller's outcome to record
     * ({@code outcome}) ahead of the checks before a biller call, each class in arrival order.
     */
    private <T> T atDatabase(boolean outcome, Supplier<T> work) throws InterruptedException {
        database.acquire(outcome);
        try {
            return work.get();
        } finally {
            database.release();
        }
    }

    private Duration retryDelay(int attempts) {
        return unknownBackoff.delay(
                Math.min(attempts, 30), ThreadLocalRandom.current().nextDouble());
    }

    /** Sets the reconciliation gauges from the table; a failure only leaves them stale. */
    void refreshReconciliationGauge() {
        try {
            PostgresReconciliation.refreshGauges(jdbi, metrics);
        } catch (RuntimeException e) {
            log.warn("cannot count payments awaiting reconciliation: {}", e.toString());
        }
    }

    private static UUID uuidOrNull(String s) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            return null;
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
