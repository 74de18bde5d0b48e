package io.walletoutbox.wallet.internal;

import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.wallet.BillPayment;
import io.walletoutbox.wallet.BillPaymentRequest;
import io.walletoutbox.wallet.IdempotencyKeys;
import io.walletoutbox.wallet.InboxEntry;
import io.walletoutbox.wallet.LedgerAudit;
import io.walletoutbox.wallet.OutcomeRecorded;
import io.walletoutbox.wallet.PaymentOutcome;
import io.walletoutbox.wallet.StoredResponse;
import io.walletoutbox.wallet.TopUp;
import io.walletoutbox.wallet.TransactionPage;
import io.walletoutbox.wallet.Wallet;
import io.walletoutbox.wallet.WalletConfig;
import io.walletoutbox.wallet.Wallets;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The ledger on PostgreSQL, one part per responsibility: {@link WalletReads} and {@link LedgerReads} (reads), {@link
 * Funding} (wallets and top-ups), {@link Payments} (bill-payment requests) and {@link Outcomes} (their outcomes).
 * Locks are always taken in one order (payment → wallet → clearing → settlement, and wallet → funding), so
 * concurrent transfers never deadlock.
 *
 * <p>A payment and an outcome each have one implementation, a server-side function ({@code wallet_bill_payment},
 * {@code wallet_record_outcome}) that every entry point calls, in a transaction of its own or in the caller's.
 *
 * <p>The daily payment limit is a counter on the wallet's row ({@code spend_day}, {@code spend_amount}; see the
 * migration {@code V3__daily_payment_spend.sql} for why there): the guarded debit adds to it and refuses to pass the
 * limit in the same statement, the refund of a declined payment of that day subtracts from it.
 */
public final class PostgresWallets implements Wallets {
    private final Jdbi jdbi;
    private final WalletReads reads;
    private final LedgerReads ledger;
    private final Funding funding;
    private final Payments payments;
    private final Outcomes outcomes;

    public PostgresWallets(Jdbi jdbi, OutboxWriter outbox, WalletConfig config) {
        this(jdbi, outbox, config, Clock.systemUTC());
    }

    /**
     * With {@code pool}, the data source behind {@code jdbi}: the payment request's one call takes its connection
     * from there directly (plain JDBC, no handle).
     */
    public PostgresWallets(Jdbi jdbi, DataSource pool, OutboxWriter outbox, WalletConfig config) {
        this(
                new WalletContext(jdbi, outbox, config, Clock.systemUTC()),
                BillPaymentFunction.Connections.of(Objects.requireNonNull(pool, "pool")));
    }

    /** With the clock that stamps rows and says which UTC day a payment counts for (tests move it). */
    public PostgresWallets(Jdbi jdbi, OutboxWriter outbox, WalletConfig config, Clock clock) {
        this(
                new WalletContext(jdbi, outbox, config, clock),
                BillPaymentFunction.Connections.of(Objects.requireNonNull(jdbi, "jdbi")));
    }

    private PostgresWallets(WalletContext context, BillPaymentFunction.Connections connections) {
        this.jdbi = context.jdbi();
        this.reads = new WalletReads(jdbi);
        this.ledger = new LedgerReads(jdbi);
        this.funding = new Funding(context);
        this.payments = new Payments(context, connections);
        this.outcomes = new Outcomes(context);
    }

    @Override
    public Wallet create(String ownerId, String currency) {
        return funding.open(ownerId, currency);
    }

    @Override
    public Optional<Wallet> find(UUID walletId) {
        return reads.wallet(walletId, Optional.empty());
    }

    @Override
    public Optional<Wallet> find(UUID walletId, String ownerId) {
        return reads.wallet(walletId, Optional.of(Objects.requireNonNull(ownerId, "ownerId")));
    }

    @Override
    public TopUp topUp(UUID walletId, long amount) {
        return jdbi.inTransaction(h -> funding.topUp(h, walletId, amount));
    }

    @Override
    public TopUp topUp(Handle handle, UUID walletId, long amount) {
        return funding.topUp(handle, walletId, amount);
    }

    @Override
    public BillPayment requestBillPayment(UUID walletId, BillPaymentRequest request, Optional<String> traceparent) {
        return jdbi.inTransaction(h -> payments.request(h, walletId, null, request, traceparent));
    }

    @Override
    public BillPayment requestBillPayment(
            Handle handle, UUID walletId, BillPaymentRequest request, Optional<String> traceparent) {
        return payments.request(handle, walletId, null, request, traceparent);
    }

    @Override
    public BillPayment requestBillPayment(
            Handle handle, UUID walletId, String ownerId, BillPaymentRequest request, Optional<String> traceparent) {
        return payments.request(handle, walletId, ownerId, request, traceparent);
    }

    @Override
    public IdempotencyKeys.Result requestBillPayment(
            IdempotencyKeys.Request key,
            UUID walletId,
            String ownerId,
            BillPaymentRequest request,
            Optional<String> traceparent,
            Function<BillPayment, StoredResponse> response) {
        return payments.request(key, walletId, ownerId, request, traceparent, response);
    }

    @Override
    public Optional<BillPayment> findPayment(UUID paymentId) {
        return reads.payment(paymentId);
    }

    @Override
    public Optional<BillPayment> findPayment(UUID paymentId, String ownerId) {
        return reads.payment(paymentId, ownerId);
    }

    @Override
    public boolean recordOutcome(Handle handle, UUID paymentId, PaymentOutcome outcome) {
        return outcomes.record(handle, paymentId, outcome);
    }

    @Override
    public OutcomeRecorded recordOutcome(InboxEntry inbox, UUID paymentId, UUID walletId, PaymentOutcome outcome) {
        return outcomes.record(inbox, paymentId, walletId, outcome);
    }

    @Override
    public TransactionPage transactions(UUID walletId, int limit, Optional<String> cursor) {
        return ledger.transactions(walletId, Optional.empty(), limit, cursor);
    }

    @Override
    public TransactionPage transactions(UUID walletId, String ownerId, int limit, Optional<String> cursor) {
        Objects.requireNonNull(ownerId, "ownerId");
        return ledger.transactions(walletId, Optional.of(ownerId), limit, cursor);
    }

    @Override
    public LedgerAudit audit() {
        return ledger.audit();
    }
}
