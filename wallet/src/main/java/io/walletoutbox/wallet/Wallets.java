package io.walletoutbox.wallet;

import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.wallet.internal.PostgresWallets;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Wallets, top-ups and bill payments over the double-entry ledger. Methods without a {@link Handle} run in one
 * transaction of their own; methods with one join the caller's open transaction (and refuse a handle without one),
 * so a caller can commit them together with its own writes, e.g. an idempotency key's stored response.
 *
 * <p>A bill payment and an outcome each have ONE implementation, a server-side function of the wallet's schema
 * ({@code wallet_bill_payment}, {@code wallet_record_outcome}): every method that requests a payment or records an
 * outcome calls it, in a transaction of its own or on the caller's handle, so every path writes the same rows. Those
 * functions append the events themselves, so the outbox writer must have a server-side form ({@link
 * OutboxWriter#serverSide}; the stock writers have one): with a writer without one these methods throw {@link
 * UnsupportedOperationException}. While the writer's gate refuses, they still give every answer that writes nothing
 * (a refusal, a replay) and throw {@link io.walletoutbox.outbox.OutboxException.WritesRefusedException} where they
 * would write; in a caller's transaction that refusal is raised by the database, which aborts the transaction.
 */
public interface Wallets {

    /**
     * Opens an empty wallet with a random id, owned by {@code ownerId} (the {@code sub} of the owner's access token).
     * The owner never changes (the database refuses it), so an ownership check made before an action stays true.
     *
     * @throws WalletException.InvalidField when {@code ownerId} is not an owner id ({@link Money#requireOwnerId})
     * @throws WalletException.InvalidCurrency when {@code currency} is not an ISO 4217 code
     */
    Wallet create(String ownerId, String currency);

    /** The wallet, or empty when there is none with that id. One primary-key lookup. */
    Optional<Wallet> find(UUID walletId);

    /**
     * The wallet if it exists and {@code ownerId} owns it (exact comparison), else empty: another owner's wallet is
     * indistinguishable from a missing one. One primary-key lookup; use it as the ownership check before acting on
     * a wallet (owners never change).
     */
    Optional<Wallet> find(UUID walletId, String ownerId);

    /** {@link #topUp(Handle, UUID, long)} in a transaction of its own. */
    TopUp topUp(UUID walletId, long amount);

    /**
     * Credits {@code amount} (minor units) from the top-up funding account to the wallet, in {@code handle}'s
     * transaction.
     *
     * @throws WalletException.WalletNotFound when there is no such wallet
     * @throws WalletException.AmountOutOfRange when the amount is not 1..{@link Money#MAX_AMOUNT} or the
     *     balance would exceed it (nothing is written)
     */
    TopUp topUp(Handle handle, UUID walletId, long amount);

    /** {@link #requestBillPayment(Handle, UUID, BillPaymentRequest, Optional)} in a transaction of its own. */
    BillPayment requestBillPayment(UUID walletId, BillPaymentRequest request, Optional<String> traceparent);

    /**
     * In {@code handle}'s transaction: the guarded debit of the wallet ({@code balance >= amount}, and the wallet's
     * bill payments of the current UTC day that are {@code PENDING} or {@code SUCCEEDED}, plus this amount, at most
     * {@link WalletConfig#dailyPaymentLimit()}; race-free, checked in the same statement as the balance), a transfer
     * wallet → biller clearing, a {@code PENDING} payment with a random id, and the {@value
     * WalletEvents#BILL_PAYMENT_REQUESTED} outbox event, appended after the wallet row is locked so that one
     * wallet's events get outbox positions in commit order. {@code traceparent} (W3C), when present, travels with
     * the event as a header. With tracing on (an OpenTelemetry SDK registered; docs/tracing.md) the append is a
     * {@code create} PRODUCER span, child of the current span, else of {@code traceparent}, and the event's header
     * is that span's context instead.
     *
     * @throws WalletException.WalletNotFound when there is no such wallet
     * @throws WalletException.InsufficientFunds when the balance is below the amount (nothing is written)
     * @throws WalletException.DailyLimitExceeded when the payment would pass the daily limit (nothing is written;
     *     when the balance is short too, {@code InsufficientFunds} is thrown instead)
     * @throws WalletException.InvalidField when {@code traceparent} is not a W3C traceparent value
     * @throws io.walletoutbox.outbox.OutboxException.WritesRefusedException when the outbox refuses writes (the
     *     request would have made a payment; the caller's transaction is aborted)
     */
    BillPayment requestBillPayment(
            Handle handle, UUID walletId, BillPaymentRequest request, Optional<String> traceparent);

    /**
     * {@link #requestBillPayment(Handle, UUID, BillPaymentRequest, Optional)} for the wallet's owner only: a wallet
     * {@code ownerId} does not own answers {@link WalletException.WalletNotFound}, exactly as a missing one, and is
     * left untouched. The ownership is checked in the guarded debit itself (no extra round trip).
     */
    BillPayment requestBillPayment(
            Handle handle, UUID walletId, String ownerId, BillPaymentRequest request, Optional<String> traceparent);

    /**
     * The currency a payment carries when {@link #requestBillPayment(IdempotencyKeys.Request, UUID, String,
     * BillPaymentRequest, Optional, Function)} renders its response before the wallet's currency is known (ISO 4217's
     * "no currency").
     */
    String CURRENCY_TO_COME = "XXX";

    /**
     * A whole idempotent bill-payment request in ONE round trip to PostgreSQL (one call of a server-side function, in
     * a transaction of its own): exactly what {@link IdempotencyKeys#execute} around {@link #requestBillPayment(Handle,
     * UUID, String, BillPaymentRequest, Optional)} does, with the same answers and the same writes, committed
     * together or not at all. In order: the key's non-blocking advisory lock ({@link IdempotencyKeys.InFlight} when
     * another request with the key holds it); the stored key, unexpired ({@link IdempotencyKeys.Replayed} with its
     * response, or {@link IdempotencyKeys.FingerprintMismatch}); the guarded debit of the wallet {@code ownerId} owns
     * (balance, daily limit, ownership in one statement); the transfer to biller clearing, the {@code PENDING}
     * payment, the {@value WalletEvents#BILL_PAYMENT_REQUESTED} event (appended after the wallet row is locked); and
     * the key with the response ({@link IdempotencyKeys.Executed}). A refusal writes nothing.
     *
     * <p>The payment itself is the one {@link #requestBillPayment(Handle, UUID, String, BillPaymentRequest,
     * Optional)} makes: both call the server-side function {@code wallet_bill_payment}. While the outbox writer's gate
     * refuses, the key's answers and the refusals are given as usual and a payment is refused.
     *
     * @param key the idempotency key: scope, key and the request's fingerprint
     * @param response renders the response to store and answer with, from the payment about to be made. It is
     *     called once, before the database is reached, when the wallet's currency is not known yet: the payment it
     *     gets has currency {@value #CURRENCY_TO_COME}, and the body it returns must be JSON holding the member
     *     {@code "currency":"XXX"} exactly once (compact, as Jackson writes it), which is stored with the wallet's
     *     currency in its place.
     * @throws WalletException.WalletNotFound when there is no such wallet or another owner owns it (the same answer)
     * @throws WalletException.InsufficientFunds when the balance is below the amount
     * @throws WalletException.DailyLimitExceeded when the payment would pass the daily limit
     * @throws WalletException.InvalidField when {@code traceparent} is not a W3C traceparent value
     * @throws io.walletoutbox.outbox.OutboxException.WritesRefusedException when the outbox refuses writes (the
     *     request would have made a payment)
     * @throws IllegalArgumentException when the rendered body does not hold {@code "currency":"XXX"} exactly once
     */
    IdempotencyKeys.Result requestBillPayment(
            IdempotencyKeys.Request key,
            UUID walletId,
            String ownerId,
            BillPaymentRequest request,
            Optional<String> traceparent,
            Function<BillPayment, StoredResponse> response);

    /** The payment, or empty. */
    Optional<BillPayment> findPayment(UUID paymentId);

    /**
     * The payment if it exists and its wallet is owned by {@code ownerId}, else empty: another owner's payment is
     * indistinguishable from a missing one. One statement (two primary-key lookups).
     */
    Optional<BillPayment> findPayment(UUID paymentId, String ownerId);

    /**
     * Settles a {@code PENDING} payment in the caller's transaction ({@code handle}): paid → {@code SUCCEEDED},
     * clearing → biller settlement, {@value WalletEvents#BILL_PAYMENT_SUCCEEDED}; declined → {@code FAILED},
     * clearing → wallet (the refund, which also frees the amount from the wallet's daily limit if the payment was
     * made on the current UTC day), {@value WalletEvents#BILL_PAYMENT_FAILED}. Returns false, changing nothing,
     * when the payment is already terminal (so a redelivered outcome never refunds twice). The payment row is
     * locked until the caller's transaction ends, so concurrent calls for one payment settle it once. Two round trips:
     * the payment's wallet (which says the event's outbox shard), then the server-side function {@code
     * wallet_record_outcome}, without an inbox entry. The follow-up event's {@code traceparent} is the current
     * span's context when a span is current (the caller's; docs/tracing.md), none otherwise.
     *
     * @throws WalletException.PaymentNotFound when there is no such payment
     * @throws WalletException.InvalidField when the reference or reason is empty or too long (200 / 500 chars)
     * @throws org.jdbi.v3.core.JdbiException when the database refuses, e.g. a refund that would take the wallet
     *     above {@link Money#MAX_AMOUNT} (the CHECK constraint); nothing is written, the caller's transaction is
     *     aborted, the caller should retry later
     * @throws io.walletoutbox.outbox.OutboxException.WritesRefusedException when the outbox refuses writes and the
     *     payment is still pending (the caller's transaction is aborted)
     */
    boolean recordOutcome(Handle handle, UUID paymentId, PaymentOutcome outcome);

    /**
     * {@link #recordOutcome(Handle, UUID, PaymentOutcome)} together with a consumer's processed-once {@code inbox}
     * entry, in one transaction of its own: the entry first (already there: {@link OutcomeRecorded#DUPLICATE},
     * nothing written), then the payment's transition, its settlement or refund and its follow-up event (already
     * terminal: {@link OutcomeRecorded#UNCHANGED}, the entry alone is written). ONE round trip: the server-side
     * function {@code wallet_record_outcome}, the one implementation {@link #recordOutcome(Handle, UUID,
     * PaymentOutcome)} calls too. When the payment is not of {@code walletId} (whose outbox shard the call computes
     * beforehand), the function writes nothing and the call is made again with the payment's own wallet (the
     * ledger's, never the caller's, decides: three round trips).
     *
     * @param walletId the payment's wallet as the caller knows it (from the event)
     * @throws WalletException.PaymentNotFound when there is no such payment (nothing written, not even the entry)
     * @throws WalletException.InvalidField when the reference or reason is empty or too long (200 / 500 chars)
     * @throws io.walletoutbox.outbox.OutboxException.WritesRefusedException when the outbox writer's gate refuses
     * @throws org.jdbi.v3.core.JdbiException when the database refuses (see {@link #recordOutcome(Handle, UUID,
     *     PaymentOutcome)}); nothing is written
     */
    OutcomeRecorded recordOutcome(InboxEntry inbox, UUID paymentId, UUID walletId, PaymentOutcome outcome);

    /**
     * One page of the wallet's ledger entries, newest first. {@code cursor} is the opaque {@link
     * TransactionPage#nextCursor()} of the previous page, or empty for the first page. Pages are stable under
     * concurrent inserts (keyset pagination over an order that is the wallet's commit order): walking the pages
     * returns every entry that existed when the walk began exactly once.
     *
     * @throws WalletException.WalletNotFound when there is no such wallet
     * @throws WalletException.InvalidCursor when the cursor was not made by this method for this wallet
     * @throws WalletException.InvalidField when {@code limit} is not 1..{@value #MAX_PAGE_SIZE}
     */
    TransactionPage transactions(UUID walletId, int limit, Optional<String> cursor);

    /**
     * {@link #transactions(UUID, int, Optional)} of a wallet owned by {@code ownerId}, the ownership checked in the
     * page's own snapshot, at no extra cost.
     *
     * @throws WalletException.WalletNotFound when there is no such wallet or another owner owns it (the same answer)
     * @throws WalletException.InvalidCursor when the cursor was not made by this method for this wallet
     * @throws WalletException.InvalidField when {@code limit} is not 1..{@value #MAX_PAGE_SIZE}
     */
    TransactionPage transactions(UUID walletId, String ownerId, int limit, Optional<String> cursor);

    /** The largest page {@link #transactions} returns. */
    int MAX_PAGE_SIZE = 200;

    /**
     * Checks the whole ledger (invariants I1, I2, and the clearing accounts against the pending payments) in one
     * read-only snapshot: full scans of accounts, transfers and pending payments, meant for the periodic audit job,
     * tests, chaos tools and operators, not for request paths. Takes no locks; it reports, it never repairs.
     */
    LedgerAudit audit();

    /** The ledger on PostgreSQL; the schema must have been migrated with {@link WalletSchema#migrate}. */
    static Wallets create(Jdbi jdbi, OutboxWriter outbox, WalletConfig config) {
        return new PostgresWallets(jdbi, outbox, config);
    }

    /**
     * {@link #create(Jdbi, OutboxWriter, WalletConfig)}, with {@code pool} the data source {@code jdbi} was made
     * from: {@link #requestBillPayment(IdempotencyKeys.Request, UUID, String, BillPaymentRequest, Optional,
     * Function)}, the API's hot path, then takes its connection from the pool directly (plain JDBC, no Jdbi handle).
     * Same behaviour, less CPU per request.
     */
    static Wallets create(Jdbi jdbi, javax.sql.DataSource pool, OutboxWriter outbox, WalletConfig config) {
        return new PostgresWallets(jdbi, pool, outbox, config);
    }
}
