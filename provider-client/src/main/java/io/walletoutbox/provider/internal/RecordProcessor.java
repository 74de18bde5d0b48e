package io.walletoutbox.provider.internal;

import io.walletoutbox.outbox.jdbi.JdbiInbox;
import io.walletoutbox.outbox.jdbi.JdbiOutbox;
import io.walletoutbox.provider.BillPaymentConsumerConfig;
import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.DeadLetterReason;
import io.walletoutbox.provider.LedgerPayment;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProcessingHook;
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
 * inbox, and completed; a record that differs from its payment's row in the ledger is dead-lettered at once and
 * never reaches a biller ({@link PaymentHandler}). Transient (database, recorder, Kafka, the biller's unknown outcome): retried with backoff;
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

    private final BillPaymentConsumerConfig config;
    private final Jdbi jdbi;
    private final JdbiInbox inbox;
    private final OutcomeRecorder recorder;
    private final ProviderMetrics metrics;
    private final DeadLetters deadLetters;
    private final DatabaseTurns database;
    private final PaymentHandler handler;

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
        this.inbox = JdbiOutbox.inbox();
        this.recorder = recorder;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
        this.database = new DatabaseTurns(config.maxDatabaseConcurrency());
        var writer = new OutcomeWriter(jdbi, inbox, recorder, metrics, database, this::refreshReconciliationGauge);
        this.handler = new PaymentHandler(config, jdbi, inbox, billers, recorder, metrics, hook, database, writer);
    }

    /**
     * Returns true when the record is done with (its offset may be committed), false when it was abandoned
     * because {@code cancelled} turned true or the thread was interrupted. {@code held} is run whenever the record
     * starts waiting on a failing dependency (it then holds up its lane).
     */
    boolean process(ConsumerRecord<String, byte[]> record, BooleanSupplier cancelled, Runnable held) {
        // One CONSUMER span per record, across its attempts, parented to the record's trace context and current
        // while the record is handled: the biller calls and the outcome event continue the payment's trace.
        String traceparent = PaymentEvent.header(record.headers(), "traceparent");
        Traces.Span span = Traces.consumer(record.topic(), traceparent);
        span.set("messaging.system", "kafka")
                .set("messaging.operation.type", "process")
                .set("messaging.operation.name", "process")
                .set("messaging.consumer.group.name", config.groupId())
                .set("messaging.destination.name", record.topic())
                .set("messaging.destination.partition.id", Integer.toString(record.partition()))
                .set("messaging.kafka.offset", record.offset())
                .set("messaging.kafka.message.key", record.key())
                .set("messaging.message.id", PaymentEvent.header(record.headers(), "ce_id"));
        Progress progress = new Progress(record.timestamp());
        progress.traceparent = traceparent;
        try (Traces.Scope scope = span.makeCurrent()) {
            return processWithRetries(record, cancelled, held, progress, span);
        } finally {
            MDC_KEYS.forEach(MDC::remove);
            if (progress.event != null) {
                span.set(Traces.PAYMENT_ID, progress.event.paymentId().toString());
            }
            span.set(Traces.INBOX_DUPLICATE, progress.duplicate);
            span.end();
        }
    }

    private boolean processWithRetries(
            ConsumerRecord<String, byte[]> record,
            BooleanSupplier cancelled,
            Runnable held,
            Progress progress,
            Traces.Span span) {
        while (!cancelled.getAsBoolean()) {
            Duration wait;
            try {
                return handler.handle(record, cancelled, progress, held);
            } catch (PermanentFailure e) {
                progress.permanentAttempts++;
                // A record that contradicts the ledger stays so: never retried, never held.
                if (progress.permanentAttempts < config.poisonAttempts()
                        && e.reason() != DeadLetterReason.RECORD_MISMATCH) {
                    wait = TRANSIENT.delay(
                            progress.permanentAttempts,
                            ThreadLocalRandom.current().nextDouble());
                } else {
                    try {
                        giveUp(record, progress, e);
                        span.error("dead-lettered: " + e.reason().label() + ": " + e.getMessage(), e);
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
                span.exception(e);
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
                if (!Pauses.pause(wait, cancelled)) {
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
     * (a redelivery skips the record) and, for a PENDING payment of this ledger that cannot proceed, its
     * reconciliation entry. A crash in between dead-letters the record twice, never loses it. A record that
     * contradicts the ledger is not marked in the inbox: its event id is not to be trusted, and the payment's
     * genuine event must still be processed.
     */
    private void giveUp(ConsumerRecord<String, byte[]> record, Progress progress, PermanentFailure e) {
        DeadLetterReason reason = e.reason();
        log.warn(
                "dead-lettering record reason={} topic={} partition={} offset={} key={} error={}",
                reason.label(),
                record.topic(),
                record.partition(),
                record.offset(),
                BillerText.clean(String.valueOf(record.key()), 100),
                e.getMessage());
        deadLetters.send(record, reason, e.getMessage(), progress.permanentAttempts);
        metrics.deadLettered(reason);
        UUID eventId = progress.event != null ? progress.event.eventId() : progress.eventId;
        if (eventId == null || reason == DeadLetterReason.RECORD_MISMATCH) {
            return; // nothing to remember it by, or not to be trusted; a redelivery is dead-lettered again
        }
        Escalation escalation = switch (reason) {
            case LEDGER_REFUSED -> Escalation.LEDGER_REFUSED;
            case UNKNOWN_BILLER -> Escalation.UNKNOWN_BILLER;
            case UNPARSEABLE -> Escalation.UNPARSEABLE;
            case UNKNOWN_EVENT_TYPE -> Escalation.UNKNOWN_EVENT_TYPE;
            default -> null;
        };
        // The payment's own event (unparseable as a whole, or of a type no consumer handles) still names it.
        UUID paymentId = progress.event != null ? progress.event.paymentId() : PaymentEvent.paymentIdIn(record.value());
        Optional<LedgerPayment> listed = jdbi.inTransaction(h -> {
            inbox.markProcessed(h, INBOX_CONSUMER, eventId);
            if (escalation == null || paymentId == null) {
                return Optional.<LedgerPayment>empty();
            }
            Optional<LedgerPayment> payment =
                    Optional.ofNullable(progress.ledger).or(() -> recorder.payment(h, paymentId));
            // Only a PENDING payment whose wallet is the record's key (its own event's) is put in reconciliation.
            if (payment.isEmpty()
                    || payment.get().status().terminal()
                    || !payment.get().walletId().equals(record.key())) {
                return Optional.<LedgerPayment>empty();
            }
            boolean opened = ReconciliationStore.insert(
                    h,
                    opening(
                            payment.get(),
                            eventId,
                            escalation,
                            reason.label() + ": " + e.getMessage(),
                            Math.max(1, progress.permanentAttempts),
                            progress));
            return opened ? payment : Optional.<LedgerPayment>empty();
        });
        if (listed.isPresent()) {
            Traces.current().set(Traces.RECONCILIATION_REASON, escalation.label());
            metrics.escalated(escalation);
            log.warn(
                    "payment put in reconciliation reason={} paymentId={} walletId={}",
                    escalation.label(),
                    listed.get().paymentId(),
                    listed.get().walletId());
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
                    throw new OutcomeWriter.DuplicateEvent();
                }
                LedgerPayment payment = Optional.ofNullable(progress.ledger)
                        .or(() -> recorder.payment(h, event.paymentId()))
                        .orElseThrow(() -> new IllegalStateException("the ledger has no payment " + event.paymentId()));
                String cause = "failed for "
                        + Duration.between(progress.troubleSince, Instant.now()).toSeconds() + " s (bound "
                        + config.maxRecordRetry() + "): " + e;
                return ReconciliationStore.insert(
                        h,
                        opening(
                                payment,
                                event.eventId(),
                                Escalation.TRANSIENT_FAILURE,
                                cause,
                                progress.failures,
                                progress));
            });
        } catch (OutcomeWriter.DuplicateEvent dup) {
            metrics.duplicate();
            progress.duplicate = true;
            return;
        }
        if (listed) {
            Traces.current().set(Traces.RECONCILIATION_REASON, Escalation.TRANSIENT_FAILURE.label());
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

    /**
     * An entry the consumer opens: the ledger's values; any attempt may have been made since the payment was
     * (another instance's, a crashed run's), and the latest may still be on its way now.
     */
    private static ReconciliationStore.Opening opening(
            LedgerPayment payment, UUID eventId, Escalation reason, String cause, int attempts, Progress progress) {
        Instant now = Instant.now();
        return new ReconciliationStore.Opening(
                payment,
                eventId,
                reason,
                cause,
                attempts,
                progress.firstAttempt,
                payment.createdAt(),
                now,
                progress.traceparent);
    }

    /**
     * Runs {@code work} once one of the {@code maxDatabaseConcurrency} database turns is free ({@link
     * DatabaseTurns#call}).
     */
    private <T> T atDatabase(boolean outcome, Supplier<T> work) throws InterruptedException {
        return database.call(outcome, work);
    }

    /** Sets the reconciliation gauges from the table; a failure only leaves them stale. */
    void refreshReconciliationGauge() {
        try {
            ReconciliationStore.refreshGauges(jdbi, metrics);
        } catch (RuntimeException e) {
            log.warn("cannot count payments awaiting reconciliation: {}", e.toString());
        }
    }
}
