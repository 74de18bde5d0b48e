package io.walletoutbox.provider;

import io.walletoutbox.provider.internal.PostgresReconciliation;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The operators' view of payments in reconciliation (the admin listing and its count) and their way to settle
 * one by hand. The {@link ReconciliationJob} settles most entries by itself once the biller answers.
 */
public interface Reconciliation {

    /** The outcome an operator asserts. */
    enum Resolution {
        /** The biller charged the payment: it becomes SUCCEEDED. */
        PAID,
        /** The biller did not charge it and never will: it becomes FAILED and the wallet is refunded. */
        DECLINED
    }

    /** Unresolved entries, oldest first, at most {@code limit} (1..1000). */
    List<ReconciliationEntry> pending(int limit);

    /** How many entries are unresolved. */
    long countPending();

    /** The entry of payment {@code paymentId}, resolved or not. */
    Optional<ReconciliationEntry> find(UUID paymentId);

    /**
     * Settles payment {@code paymentId} as {@code outcome}, in the CALLER's open transaction on {@code handle} (so
     * the caller's audit row commits with it): asks the biller first ({@link BillerClient#status}) and refuses
     * ({@link ResolveResult.Status#CONTRADICTS_BILLER}) when its definite answer contradicts {@code outcome} (it
     * says PAID and the operator DECLINED, it says DECLINED and the operator PAID, or it has no payment under the
     * key within its key retention and the operator says PAID, or its reference differs from {@code
     * providerReference}). {@code DECLINED} while the biller has no definite answer and a charge attempt may still
     * land (within the biller's in-flight bound of the entry's last attempt), or while the reconciliation job holds
     * the entry, is refused with {@link ResolveResult.Status#ATTEMPT_IN_FLIGHT} and the moment it can be decided.
     * When the biller cannot answer (down, not configured) and no attempt may land, the operator's word stands. An
     * outcome the ledger already records the other way is refused ({@link
     * ResolveResult.Status#RESOLVED_OTHERWISE}); one it records the same way closes the entry without moving money
     * (how a {@code contradiction} entry is closed, after settling it with the biller by hand). Then
     * calls {@link OutcomeRecorder#paid} (reference: {@code providerReference}, else the biller's) or {@link
     * OutcomeRecorder#declined} (reason: {@code "resolved by <actor>: <reason>"}) on {@code handle} and marks the
     * entry resolved (how {@code operator}, by {@code actor}, the outcome and the reason). Idempotent: an entry
     * resolved before the same way gives {@link ResolveResult.Status#ALREADY_RESOLVED} and changes nothing (a
     * job's not-charged refund counts as DECLINED); the other way, {@link ResolveResult.Status#RESOLVED_OTHERWISE}.
     * Blocks on the biller's answer (one status query) while the entry's row is locked. Exceptions of the
     * recorder propagate (the caller's transaction must then roll back).
     *
     * @param providerReference the biller's reference for PAID, cleaned and bounded like a biller's
     * @param reason why, for the record and the refund reason (1..500 characters after cleaning)
     * @param actor who (the operator's id), 1..200 characters
     * @throws IllegalArgumentException when {@code reason} or {@code actor} is blank or too long
     * @throws IllegalStateException when {@code handle} has no open transaction
     */
    ResolveResult resolve(
            Handle handle,
            UUID paymentId,
            Resolution outcome,
            Optional<String> providerReference,
            String reason,
            String actor);

    /**
     * Opens an entry with reason {@code discarded} for payment {@code paymentId}, in the CALLER's transaction on
     * {@code handle} (the one that discards the payment's parked {@code BillPaymentRequested}), when the ledger has
     * it PENDING and it has no entry yet. The event never reached a biller, so the job refunds the payment once the
     * biller confirms it has no charge (it never charges a discarded payment), or an operator resolves it. Returns
     * true when an entry was opened.
     */
    boolean openDiscarded(Handle handle, UUID paymentId, String cause);

    /** The stock implementation: the listing, and {@link #resolve} asking {@code billers} and settling through {@code recorder}. */
    static Reconciliation create(Jdbi jdbi, Billers billers, OutcomeRecorder recorder, ProviderMetrics metrics) {
        return new PostgresReconciliation(jdbi, billers, recorder, metrics);
    }
}
