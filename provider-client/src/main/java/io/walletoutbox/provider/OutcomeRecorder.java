package io.walletoutbox.provider;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Where the bill-payment consumer reports definite outcomes; the app wires it to the wallet module. Both methods
 * run inside the consumer's open transaction on {@code handle}, together with the inbox row of the event: write
 * everything (payment state, ledger entries, the follow-up outbox event) through that handle and do not commit.
 * Throwing rolls the whole transaction back. An exception is a transient failure (the event is processed again
 * later, and escalated to reconciliation past the consumer's {@code maxRecordRetry}) unless it is a {@link
 * ProviderException.OutcomeRefused} (the ledger refuses for good: the payment is unknown, or the value can never
 * be recorded) or carries a {@link java.sql.SQLException} of SQLSTATE class {@code 22} (data exception) or
 * {@code 23} (integrity constraint violation, except {@code 23505}, a unique violation that a concurrent writer
 * may cause): those are permanent, and the record is dead-lettered (see {@link DeadLetterReason}).
 *
 * <p>The reconciliation job and {@link Reconciliation#resolve} call the same two methods, in their own
 * transaction, to settle a payment in reconciliation.
 */
public interface OutcomeRecorder {

    /** What the consumer's {@link #check} found. */
    enum Lookup {
        /** The payment exists, awaits its outcome, and has no reconciliation entry: the consumer may charge it. */
        PENDING,
        /** The payment exists and is settled already (nothing to pay). */
        SETTLED,
        /** No such payment: the record is not this ledger's (another deployment's, or a forged one). */
        NOT_FOUND,
        /**
         * The consumer's inbox holds the event already (processed, or given up on and dead-lettered): the record is
         * skipped.
         */
        PROCESSED,
        /**
         * The payment is PENDING and has a reconciliation entry: the entry settles it (the job or an operator), so
         * the event is treated as processed and never charged again.
         */
        IN_RECONCILIATION
    }

    /**
     * What {@link #check} answers: the lookup and, unless {@link Lookup#PROCESSED} or {@link Lookup#NOT_FOUND}, the
     * payment as the ledger holds it (read in the same statement).
     */
    record Check(Lookup lookup, Optional<LedgerPayment> payment) {
        public Check {
            Objects.requireNonNull(lookup, "lookup");
            Objects.requireNonNull(payment, "payment");
        }
    }

    /**
     * The payment {@code paymentId} as the ledger holds it, on {@code handle} (any transaction or none): the only
     * source of the biller, customer reference, amount and currency a charge may use. Empty when the ledger has no
     * such payment.
     */
    Optional<LedgerPayment> payment(Handle handle, UUID paymentId);

    /**
     * Up to {@code limit} payments that are PENDING, were made before {@code createdBefore}, and have no
     * reconciliation entry (table {@code provider_reconciliation}), oldest first: the reconciliation job's sweep
     * opens an entry (reason {@code no-progress}) for each, so no payment stays PENDING without a way out.
     */
    List<LedgerPayment> stalePending(Handle handle, Instant createdBefore, int limit);

    /**
     * The consumer's check before the biller call, on {@code handle} (no transaction needed): {@link
     * Lookup#PROCESSED} when {@code consumer}'s inbox holds {@code eventId}; else the payment as the ledger holds
     * it ({@link #payment}) and whether it has a reconciliation entry. {@code paymentId} null (the record did not
     * parse) answers {@link Lookup#NOT_FOUND} unless the event was processed. The default makes the statements one
     * after the other; a recorder that reads everything in one statement (one round trip) overrides it, answering
     * exactly as the default would.
     */
    default Check check(Handle handle, String consumer, UUID eventId, UUID paymentId) {
        if (eventId != null && io.walletoutbox.outbox.jdbi.JdbiOutbox.inbox().isProcessed(handle, consumer, eventId)) {
            return new Check(Lookup.PROCESSED, Optional.empty());
        }
        Optional<LedgerPayment> payment = paymentId == null ? Optional.empty() : payment(handle, paymentId);
        if (payment.isEmpty()) {
            return new Check(Lookup.NOT_FOUND, Optional.empty());
        }
        if (payment.get().status().terminal()) {
            return new Check(Lookup.SETTLED, payment);
        }
        boolean inReconciliation = handle.createQuery(
                        "SELECT EXISTS (SELECT 1 FROM provider_reconciliation WHERE payment_id = :id)")
                .bind("id", paymentId)
                .mapTo(Boolean.class)
                .one();
        return new Check(inReconciliation ? Lookup.IN_RECONCILIATION : Lookup.PENDING, payment);
    }

    /**
     * The biller charged payment {@code paymentId}; {@code reference} is its payment id. Returns true when this
     * changed the payment (false: it was settled before, nothing written).
     */
    boolean paid(Handle handle, UUID paymentId, String reference);

    /**
     * The biller definitively declined payment {@code paymentId} (nothing was charged: refund it). Returns true
     * when this changed the payment.
     */
    boolean declined(Handle handle, UUID paymentId, String reason);

    /** What {@link #record} did. */
    enum Recorded {
        /** The payment was settled or refunded, and the inbox entry written. */
        CHANGED,
        /** The payment was settled before: only the inbox entry was written. */
        UNCHANGED,
        /** The inbox had the event already (a duplicate won): nothing was written. */
        DUPLICATE
    }

    /**
     * Records a definite outcome ({@link BillerOutcome.Paid} or {@link BillerOutcome.Declined}) together with the
     * consumer's inbox entry ({@code consumer}, {@code eventId}) in ONE transaction of its own on {@code jdbi}: the
     * entry first (there already: {@link Recorded#DUPLICATE}, nothing written), then the outcome. Failures are
     * classed as for {@link #paid}; after one nothing is written. The default is that transaction statement by
     * statement ({@link io.walletoutbox.outbox.Inbox#markProcessed}, then {@link #paid} or {@link #declined});
     * a recorder that can do it in fewer round trips (the wallet's: one) overrides it.
     *
     * @param walletId the wallet the payment's event names (a hint the recorder may use, e.g. for the outbox shard
     *     of its follow-up event; it must check it)
     */
    default Recorded record(
            Jdbi jdbi, String consumer, UUID eventId, UUID paymentId, String walletId, BillerOutcome outcome) {
        return jdbi.inTransaction(h -> {
            if (!io.walletoutbox.outbox.jdbi.JdbiOutbox.inbox().markProcessed(h, consumer, eventId)) {
                return Recorded.DUPLICATE;
            }
            boolean changed = switch (outcome) {
                case BillerOutcome.Paid(var reference) -> paid(h, paymentId, reference);
                case BillerOutcome.Declined(var reason) -> declined(h, paymentId, reason);
                default -> throw new IllegalArgumentException("only a definite outcome is recorded, not " + outcome);
            };
            return changed ? Recorded.CHANGED : Recorded.UNCHANGED;
        });
    }
}
