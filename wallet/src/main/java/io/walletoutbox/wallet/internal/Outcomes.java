package io.walletoutbox.wallet.internal;

import io.walletoutbox.wallet.InboxEntry;
import io.walletoutbox.wallet.OutcomeRecorded;
import io.walletoutbox.wallet.PaymentOutcome;
import io.walletoutbox.wallet.WalletEvents;
import io.walletoutbox.wallet.WalletException;
import io.walletoutbox.wallet.Wallets;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;

/**
 * Payments' outcomes. Every entry point records them through one implementation, the server-side function {@code
 * wallet_record_outcome} ({@link OutcomeFunction}): with a consumer's inbox entry in one round trip, or without one
 * in the caller's transaction (reconciliation).
 */
final class Outcomes {
    private final WalletContext context;
    private final EventPayloads payloads = new EventPayloads();

    Outcomes(WalletContext context) {
        this.context = Objects.requireNonNull(context, "context");
    }

    /** {@link Wallets#recordOutcome(Handle, UUID, PaymentOutcome)}. */
    boolean record(Handle handle, UUID paymentId, PaymentOutcome outcome) {
        WalletContext.requireTransaction(handle);
        Objects.requireNonNull(paymentId, "paymentId");
        requireValid(outcome);
        // The payment's wallet (immutable, V1) says the event's shard; a missing payment leaves the transaction usable.
        UUID walletId = walletOf(handle, paymentId);
        Instant now = context.now();
        EventAppend append = append(walletId, outcome, now);
        OutcomeRecorded answer;
        try {
            answer = OutcomeFunction.call(handle, call(null, paymentId, walletId, outcome, now, append));
        } catch (JdbiException e) {
            throw translated(e, paymentId, append);
        }
        if (answer != OutcomeRecorded.RECORDED) {
            return false;
        }
        append.committedWith(handle);
        return true;
    }

    /** {@link Wallets#recordOutcome(InboxEntry, UUID, UUID, PaymentOutcome)}. */
    OutcomeRecorded record(InboxEntry inbox, UUID paymentId, UUID walletId, PaymentOutcome outcome) {
        Objects.requireNonNull(inbox, "inbox");
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(walletId, "walletId");
        requireValid(outcome);
        UUID wallet = walletId;
        for (int attempt = 1; ; attempt++) {
            Instant now = context.now();
            EventAppend append = append(wallet, outcome, now).requireOpen();
            var call = call(inbox, paymentId, wallet, outcome, now, append);
            OutcomeRecorded answer;
            try {
                answer = context.jdbi().withHandle(h -> OutcomeFunction.call(h, call));
            } catch (JdbiException e) {
                if (attempt == 1 && OutcomeFunction.WALLET_MISMATCH.equals(WalletContext.sqlState(e))) {
                    // The caller's wallet (from a record) is not the payment's, so neither is the shard computed for
                    // it: nothing was written; call again with the payment's own (I9: the ledger says, not a record).
                    wallet = context.jdbi().withHandle(h -> walletOf(h, paymentId));
                    continue;
                }
                throw translated(e, paymentId, append);
            }
            if (answer == OutcomeRecorded.RECORDED) {
                append.committed();
            }
            return answer;
        }
    }

    private static void requireValid(PaymentOutcome outcome) {
        Objects.requireNonNull(outcome, "outcome");
        switch (outcome) {
            case PaymentOutcome.Paid paid -> WalletContext.requireLength(paid.reference(), "reference", 200);
            case PaymentOutcome.Declined declined -> WalletContext.requireLength(declined.reason(), "reason", 500);
        }
    }

    private static UUID walletOf(Handle handle, UUID paymentId) {
        return handle.createQuery("SELECT wallet_id FROM bill_payment WHERE id = :id")
                .bind("id", paymentId)
                .mapTo(UUID.class)
                .findOne()
                .orElseThrow(() -> new WalletException.PaymentNotFound(paymentId));
    }

    /**
     * The follow-up event; its payload is completed by the function, its aggregate (the wallet) decides the shard. It
     * continues the current span's trace (the consumer's processing, a reconciliation), when one is current.
     */
    private EventAppend append(UUID walletId, PaymentOutcome outcome, Instant now) {
        String type = outcome instanceof PaymentOutcome.Paid
                ? WalletEvents.BILL_PAYMENT_SUCCEEDED
                : WalletEvents.BILL_PAYMENT_FAILED;
        var event = context.event(walletId, type, "{}", now);
        String traceparent = Traces.current();
        return EventAppend.of(
                context.outbox(), traceparent == null ? event : event.withHeader("traceparent", traceparent));
    }

    private OutcomeFunction.Call call(
            InboxEntry inbox, UUID paymentId, UUID walletId, PaymentOutcome outcome, Instant now, EventAppend append) {
        return switch (outcome) {
            case PaymentOutcome.Paid paid ->
                new OutcomeFunction.Call(
                        inbox,
                        paymentId,
                        walletId,
                        true,
                        paid.reference(),
                        null,
                        now,
                        SystemAccounts.bucketOf(walletId),
                        append,
                        payloads.tail("providerReference", paid.reference()));
            case PaymentOutcome.Declined declined ->
                new OutcomeFunction.Call(
                        inbox,
                        paymentId,
                        walletId,
                        false,
                        null,
                        declined.reason(),
                        now,
                        SystemAccounts.bucketOf(walletId),
                        append,
                        payloads.tail("reason", declined.reason()));
        };
    }

    private static RuntimeException translated(JdbiException e, UUID paymentId, EventAppend append) {
        if (OutcomeFunction.NOT_FOUND.equals(WalletContext.sqlState(e))) {
            return new WalletException.PaymentNotFound(paymentId);
        }
        return append.refusal(e);
    }
}
