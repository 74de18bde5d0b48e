package io.walletoutbox.provider.internal;

import io.walletoutbox.outbox.jdbi.JdbiInbox;
import io.walletoutbox.provider.BillPaymentCall;
import io.walletoutbox.provider.BillPaymentConsumerConfig;
import io.walletoutbox.provider.BillerClient;
import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.DeadLetterReason;
import io.walletoutbox.provider.LedgerPayment;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.OutcomeRecorder.Lookup;
import io.walletoutbox.provider.ProcessingHook;
import io.walletoutbox.provider.ProviderException.PoisonRecordException;
import io.walletoutbox.provider.ProviderMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One attempt at one record: the ledger's check, then the biller, with the ledger's values only (I9). A record
 * whose fields differ from its payment's row is a {@link DeadLetterReason#RECORD_MISMATCH}; a payment settled or in
 * reconciliation is acknowledged without a biller call; a payment that goes to reconciliation while this record
 * retries an unknown outcome is handed over (its entry learns of these attempts).
 */
final class PaymentHandler {
    private static final Logger log = LoggerFactory.getLogger(PaymentHandler.class);

    private final BillPaymentConsumerConfig config;
    private final Jdbi jdbi;
    private final JdbiInbox inbox;
    private final Billers billers;
    private final OutcomeRecorder recorder;
    private final ProviderMetrics metrics;
    private final ProcessingHook hook;
    private final DatabaseTurns database;
    private final OutcomeWriter writer;
    private final Backoff unknownBackoff;

    PaymentHandler(
            BillPaymentConsumerConfig config,
            Jdbi jdbi,
            JdbiInbox inbox,
            Billers billers,
            OutcomeRecorder recorder,
            ProviderMetrics metrics,
            ProcessingHook hook,
            DatabaseTurns database,
            OutcomeWriter writer) {
        this.config = config;
        this.jdbi = jdbi;
        this.inbox = inbox;
        this.billers = billers;
        this.recorder = recorder;
        this.metrics = metrics;
        this.hook = hook;
        this.database = database;
        this.writer = writer;
        this.unknownBackoff = new Backoff(config.unknownRetryInitial(), config.unknownRetryMax());
    }

    /** True when the record is done with; false when cancelled. Throws for a failure of the attempt. */
    boolean handle(ConsumerRecord<String, byte[]> record, BooleanSupplier cancelled, Progress progress, Runnable held)
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
        // One round trip: a record given up on before (dead-lettered) or processed is in the inbox and is skipped;
        // otherwise the payment's row in the ledger decides, and says what may be charged.
        UUID candidate = parsed == null ? null : parsed.paymentId();
        OutcomeRecorder.Check check = check(progress.eventId, candidate);
        if (check.lookup() == Lookup.PROCESSED) {
            progress.duplicate = true;
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
        if (check.lookup() == Lookup.NOT_FOUND) {
            throw new PermanentFailure(
                    DeadLetterReason.UNKNOWN_PAYMENT,
                    "the ledger has no payment " + event.paymentId() + " (a record of another deployment?)",
                    null);
        }
        LedgerPayment ledger = check.payment().orElseThrow();
        Optional<String> mismatch = event.mismatch(ledger);
        if (mismatch.isPresent()) {
            throw new PermanentFailure(
                    DeadLetterReason.RECORD_MISMATCH,
                    "the record differs from payment " + ledger.paymentId() + " in the ledger: " + mismatch.get(),
                    null);
        }
        progress.ledger = ledger;
        if (check.lookup() != Lookup.PENDING) {
            acknowledge(event, check.lookup(), progress);
            return true;
        }
        Optional<BillerClient> client = billers.client(ledger.biller());
        if (client.isEmpty()) {
            throw new PermanentFailure(
                    DeadLetterReason.UNKNOWN_BILLER,
                    "biller '" + ledger.biller() + "' is not configured (configured: " + billers.ids() + ")",
                    null);
        }
        return charge(event, ledger, client.get(), cancelled, progress, held);
    }

    private boolean charge(
            PaymentEvent event,
            LedgerPayment ledger,
            BillerClient biller,
            BooleanSupplier cancelled,
            Progress progress,
            Runnable held)
            throws InterruptedException {
        BillPaymentCall call = ledger.call(event.traceparent());
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
            if (attempts > 0) {
                // Between attempts the payment may have been settled or put in reconciliation (the sweep, an
                // operator): then its entry settles it, and no further charge is sent from here.
                Lookup now = check(event.eventId(), event.paymentId()).lookup();
                if (now != Lookup.PENDING) {
                    acknowledge(event, now, progress);
                    return true;
                }
            }
            attempts++;
            progress.billerCalled = true;
            outcome = biller.pay(call);
            progress.lastAttempt = Instant.now();
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
                    if (!Pauses.pause(retryDelay(attempts), cancelled)) {
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
                            ledger.walletId(),
                            attempts,
                            unknown.cause());
                    if (!Pauses.pause(
                            Pauses.min(
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
        writer.record(event, ledger, outcome, attempts, progress);
        return true;
    }

    /**
     * The payment is settled, or its reconciliation entry settles it: the event is marked processed without a
     * biller call. An entry learns of this record's attempts, if it made any.
     */
    private void acknowledge(PaymentEvent event, Lookup lookup, Progress progress) throws InterruptedException {
        boolean marked = database.call(
                false,
                () -> jdbi.inTransaction(h -> {
                    if (progress.billerCalled && progress.lastAttempt != null) { // a no-op without an unresolved entry
                        ReconciliationStore.noteAttempts(
                                h, event.paymentId(), progress.unprovenSince(), progress.lastAttempt);
                    }
                    if (lookup == Lookup.IN_RECONCILIATION) { // an entry of the sweep's links to the payment's trace
                        ReconciliationStore.learnTraceparent(h, event.paymentId(), event.traceparent());
                    }
                    return inbox.markProcessed(h, RecordProcessor.INBOX_CONSUMER, event.eventId());
                }));
        metrics.duplicate();
        log.info(
                "payment is {} already, acknowledging its event without a biller call paymentId={} marked={}",
                switch (lookup) {
                    case SETTLED -> "settled";
                    case PROCESSED -> "processed";
                    default -> "in reconciliation";
                },
                event.paymentId(),
                marked);
    }

    private OutcomeRecorder.Check check(UUID eventId, UUID paymentId) throws InterruptedException {
        return database.call(
                false,
                () -> jdbi.withHandle(h -> recorder.check(h, RecordProcessor.INBOX_CONSUMER, eventId, paymentId)));
    }

    private Duration retryDelay(int attempts) {
        return unknownBackoff.delay(
                Math.min(attempts, 30), ThreadLocalRandom.current().nextDouble());
    }

    private static UUID uuidOrNull(String s) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
