package io.walletoutbox.wallet;

import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.wallet.internal.PostgresWallets;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Wallets, top-ups and bill payments over the ledger. Every method that changes money runs in one database
 * transaction of its own, except {@link #recordOutcome}, which joins the caller's.
 */
public interface Wallets {

    /** Opens an empty wallet. */
    Wallet create(String ownerId, String currency);

    /** The wallet, or empty when there is none with that id. */
    Optional<Wallet> find(UUID walletId);

    /**
     * Credits {@code amount} (minor units) from the top-up funding account to the wallet.
     *
     * @throws WalletException.WalletNotFound when there is no such wallet
     * @throws WalletException.AmountOutOfRange when the amount is not 1..{@link Money#MAX_AMOUNT} or the
     *     balance would exceed it
     */
    TopUp topUp(UUID walletId, long amount);

    /**
     * In one transaction: the guarded debit of the wallet ({@code balance >= amount}), a transfer wallet → biller
     * clearing, a {@code PENDING} payment, and the {@code BillPaymentRequested} outbox event (appended after the
     * wallet row is locked). {@code traceparent}, when present, travels with the event.
     *
     * @throws WalletException.WalletNotFound when there is no such wallet
     * @throws WalletException.InsufficientFunds when the balance is below the amount (nothing is written)
     */
    BillPayment requestBillPayment(UUID walletId, BillPaymentRequest request, Optional<String> traceparent);

    /** The payment, or empty. */
    Optional<BillPayment> findPayment(UUID paymentId);

    /**
     * Settles a {@code PENDING} payment in the caller's transaction ({@code handle}): paid → {@code SUCCEEDED},
     * clearing → biller settlement, {@code BillPaymentSucceeded}; declined → {@code FAILED}, clearing → wallet
     * (the refund), {@code BillPaymentFailed}. Returns false, changing nothing, when the payment is already
     * terminal (so a redelivered outcome never refunds twice).
     *
     * @throws WalletException.PaymentNotFound when there is no such payment
     */
    boolean recordOutcome(Handle handle, UUID paymentId, PaymentOutcome outcome);

    /**
     * One page of the wallet's ledger entries, newest first. {@code cursor} is the opaque {@link
     * TransactionPage#nextCursor()} of the previous page, or empty for the first page. Pages are stable under
     * concurrent inserts (keyset pagination).
     *
     * @throws WalletException.WalletNotFound when there is no such wallet
     * @throws WalletException.InvalidCursor when the cursor was not made by this method
     */
    TransactionPage transactions(UUID walletId, int limit, Optional<String> cursor);

    /** The ledger on PostgreSQL; the schema must have been migrated with {@link WalletSchema#migrate}. */
    static Wallets create(Jdbi jdbi, OutboxWriter outbox, WalletConfig config) {
        throw new UnsupportedOperationException("ledger not written yet: " + PostgresWallets.class);
    }
}
