package io.walletoutbox.wallet.internal;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.wallet.BillPayment;
import io.walletoutbox.wallet.BillPaymentRequest;
import io.walletoutbox.wallet.LedgerAudit;
import io.walletoutbox.wallet.Money;
import io.walletoutbox.wallet.PaymentOutcome;
import io.walletoutbox.wallet.TopUp;
import io.walletoutbox.wallet.TransactionPage;
import io.walletoutbox.wallet.Wallet;
import io.walletoutbox.wallet.WalletConfig;
import io.walletoutbox.wallet.WalletEvents;
import io.walletoutbox.wallet.WalletException;
import io.walletoutbox.wallet.Wallets;
import io.walletoutbox.wallet.internal.SystemAccounts.Kind;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The ledger on PostgreSQL. Locks are always taken in one order (payment → wallet → clearing → settlement, and
 * wallet → funding), so concurrent transfers never deadlock.
 */
public final class PostgresWallets implements Wallets {
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    private final Jdbi jdbi;
    private final OutboxWriter outbox;
    private final WalletConfig config;
    private final SystemAccounts systemAccounts = new SystemAccounts();
    private final EventPayloads payloads = new EventPayloads();
    private final LedgerReads reads;

    public PostgresWallets(Jdbi jdbi, OutboxWriter outbox, WalletConfig config) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.config = Objects.requireNonNull(config, "config");
        this.reads = new LedgerReads(jdbi);
    }

    @Override
    public Wallet create(String ownerId, String currency) {
        Money.requireText(ownerId, "ownerId");
        Money.requireCurrency(currency);
        UUID id = UUID.randomUUID();
        Instant now = now();
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO account (id, kind, owner_id, currency, balance, created_at)
                        VALUES (:id, 'WALLET', :owner, :currency, 0, :now)
                        """)
                .bind("id", id)
                .bind("owner", ownerId)
                .bind("currency", currency)
                .bind("now", now)
                .execute());
        return new Wallet(id, ownerId, currency, 0, now);
    }

    @Override
    public Optional<Wallet> find(UUID walletId) {
        Objects.requireNonNull(walletId, "walletId");
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, owner_id, currency, balance, created_at FROM account
                        WHERE id = :id AND kind = 'WALLET'
                        """)
                .bind("id", walletId)
                .map((rs, ctx) -> new Wallet(
                        rs.getObject("id", UUID.class),
                        rs.getString("owner_id"),
                        rs.getString("currency"),
                        rs.getLong("balance"),
                        instant(rs, "created_at")))
                .findOne());
    }

    @Override
    public TopUp topUp(UUID walletId, long amount) {
        return jdbi.inTransaction(h -> topUp(h, walletId, amount));
    }

    @Override
    public TopUp topUp(Handle handle, UUID walletId, long amount) {
        requireTransaction(handle);
        Objects.requireNonNull(walletId, "walletId");
        Money.requireAmount(amount);
        // The guard keeps the balance within MAX_AMOUNT; both operands are <= MAX_AMOUNT, so no overflow.
        Optional<Balance> credited = handle.createQuery("""
                        UPDATE account SET balance = balance + :amount
                        WHERE id = :id AND kind = 'WALLET' AND balance <= :ceiling
                        RETURNING currency, balance
                        """)
                .bind("amount", amount)
                .bind("id", walletId)
                .bind("ceiling", Math.subtractExact(Money.MAX_AMOUNT, amount))
                .map((rs, ctx) -> new Balance(rs.getString("currency"), rs.getLong("balance")))
                .findOne();
        if (credited.isEmpty()) {
            Balance now = currentBalance(handle, walletId);
            throw new WalletException.AmountOutOfRange("a top-up of " + amount + " would take the balance "
                    + now.balance() + " above the maximum " + Money.MAX_AMOUNT);
        }
        String currency = credited.get().currency();
        UUID funding = systemAccounts.id(handle, Kind.TOP_UP_FUNDING, currency, walletId);
        SystemAccounts.adjust(handle, funding, Math.negateExact(amount));
        UUID topUpId = UUID.randomUUID();
        Instant now = now();
        insertTransfer(handle, "TOP_UP", topUpId, funding, walletId, amount, currency, now);
        return new TopUp(topUpId, walletId, amount, currency, credited.get().balance(), now);
    }

    @Override
    public BillPayment requestBillPayment(UUID walletId, BillPaymentRequest request, Optional<String> traceparent) {
        return jdbi.inTransaction(h -> requestBillPayment(h, walletId, request, traceparent));
    }

    @Override
    public BillPayment requestBillPayment(
            Handle handle, UUID walletId, BillPaymentRequest request, Optional<String> traceparent) {
        requireTransaction(handle);
        Objects.requireNonNull(walletId, "walletId");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(traceparent, "traceparent");
        traceparent.ifPresent(PostgresWallets::requireTraceparent);
        // The guarded debit: it locks the wallet row until commit, which orders this wallet's outbox events.
        Optional<Balance> debited = handle.createQuery("""
                        UPDATE account SET balance = balance - :amount
                        WHERE id = :id AND kind = 'WALLET' AND balance >= :amount
                        RETURNING currency, balance
                        """)
                .bind("amount", request.amount())
                .bind("id", walletId)
                .map((rs, ctx) -> new Balance(rs.getString("currency"), rs.getLong("balance")))
                .findOne();
        if (debited.isEmpty()) {
            Balance now = currentBalance(handle, walletId);
            throw new WalletException.InsufficientFunds(
                    "balance " + now.balance() + " is below the amount " + request.amount());
        }
        String currency = debited.get().currency();
        UUID clearing = systemAccounts.id(handle, Kind.BILLER_CLEARING, currency, walletId);
        SystemAccounts.adjust(handle, clearing, request.amount());
        Instant now = now();
        var payment = new BillPayment(
                UUID.randomUUID(),
                walletId,
                request.biller(),
                request.customerRef(),
                request.amount(),
                currency,
                BillPayment.Status.PENDING,
                Optional.empty(),
                Optional.empty(),
                now,
                Optional.empty());
        handle.createUpdate("""
                        INSERT INTO bill_payment (id, wallet_id, clearing_account, biller, customer_ref, amount,
                                                  currency, status, created_at)
                        VALUES (:id, :wallet, :clearing, :biller, :customerRef, :amount, :currency, 'PENDING', :now)
                        """)
                .bind("id", payment.id())
                .bind("wallet", walletId)
                .bind("clearing", clearing)
                .bind("biller", payment.biller())
                .bind("customerRef", payment.customerRef())
                .bind("amount", payment.amount())
                .bind("currency", currency)
                .bind("now", now)
                .execute();
        insertTransfer(handle, "BILL_PAYMENT", payment.id(), walletId, clearing, payment.amount(), currency, now);
        OutboxEvent event = event(walletId, WalletEvents.BILL_PAYMENT_REQUESTED, payloads.requested(payment), now);
        if (traceparent.isPresent()) {
            event = event.withHeader("traceparent", traceparent.get());
        }
        outbox.append(handle, event);
        return payment;
    }

    @Override
    public Optional<BillPayment> findPayment(UUID paymentId) {
        Objects.requireNonNull(paymentId, "paymentId");
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM bill_payment WHERE id = :id")
                .bind("id", paymentId)
                .map((rs, ctx) -> payment(rs))
                .findOne());
    }

    @Override
    public boolean recordOutcome(Handle handle, UUID paymentId, PaymentOutcome outcome) {
        requireTransaction(handle);
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(outcome, "outcome");
        switch (outcome) {
            case PaymentOutcome.Paid paid -> requireLength(paid.reference(), "reference", 200);
            case PaymentOutcome.Declined declined -> requireLength(declined.reason(), "reason", 500);
        }
        // The row lock makes concurrent outcomes for one payment take turns; the second sees it terminal.
        Optional<PaymentRow> found = handle.createQuery("SELECT * FROM bill_payment WHERE id = :id FOR UPDATE")
                .bind("id", paymentId)
                .map((rs, ctx) -> new PaymentRow(payment(rs), rs.getObject("clearing_account", UUID.class)))
                .findOne();
        if (found.isEmpty()) {
            throw new WalletException.PaymentNotFound(paymentId);
        }
        BillPayment payment = found.get().payment();
        UUID clearing = found.get().clearingAccount();
        if (payment.status() != BillPayment.Status.PENDING) {
            return false;
        }
        // Lock the wallet before appending, so this wallet's events get outbox positions in commit order.
        handle.createQuery("SELECT id FROM account WHERE id = :id FOR NO KEY UPDATE")
                .bind("id", payment.walletId())
                .mapTo(UUID.class)
                .one();
        Instant now = now();
        switch (outcome) {
            case PaymentOutcome.Paid paid -> {
                complete(handle, paymentId, "SUCCEEDED", paid.reference(), null, now);
                UUID settlement =
                        systemAccounts.id(handle, Kind.BILLER_SETTLEMENT, payment.currency(), payment.walletId());
                SystemAccounts.adjust(handle, clearing, Math.negateExact(payment.amount()));
                SystemAccounts.adjust(handle, settlement, payment.amount());
                insertTransfer(
                        handle,
                        "SETTLEMENT",
                        paymentId,
                        clearing,
                        settlement,
                        payment.amount(),
                        payment.currency(),
                        now);
                outbox.append(
                        handle,
                        event(
                                payment.walletId(),
                                WalletEvents.BILL_PAYMENT_SUCCEEDED,
                                payloads.succeeded(payment, paid.reference()),
                                now));
            }
            case PaymentOutcome.Declined declined -> {
                complete(handle, paymentId, "FAILED", null, declined.reason(), now);
                // The refund: wallet first (lock order), then clearing.
                int refunded = handle.createUpdate("UPDATE account SET balance = balance + :amount WHERE id = :id")
                        .bind("amount", payment.amount())
                        .bind("id", payment.walletId())
                        .execute();
                if (refunded != 1) { // the foreign key makes this impossible; never drop a refund silently
                    throw new IllegalStateException(
                            "wallet " + payment.walletId() + " of payment " + paymentId + " is missing");
                }
                SystemAccounts.adjust(handle, clearing, Math.negateExact(payment.amount()));
                insertTransfer(
                        handle,
                        "REFUND",
                        paymentId,
                        clearing,
                        payment.walletId(),
                        payment.amount(),
                        payment.currency(),
                        now);
                outbox.append(
                        handle,
                        event(
                                payment.walletId(),
                                WalletEvents.BILL_PAYMENT_FAILED,
                                payloads.failed(payment, declined.reason()),
                                now));
            }
        }
        return true;
    }

    @Override
    public TransactionPage transactions(UUID walletId, int limit, Optional<String> cursor) {
        return reads.transactions(walletId, limit, cursor);
    }

    @Override
    public LedgerAudit audit() {
        return reads.audit();
    }

    private OutboxEvent event(UUID walletId, String type, String payload, Instant now) {
        return new OutboxEvent(
                UUID.randomUUID(),
                WalletEvents.AGGREGATE_TYPE,
                walletId.toString(),
                type,
                config.eventsTopic(),
                payload,
                Map.of(),
                now);
    }

    private static void complete(
            Handle handle, UUID paymentId, String status, String reference, String reason, Instant now) {
        int updated = handle.createUpdate("""
                        UPDATE bill_payment SET status = :status, provider_reference = :reference,
                                                failure_reason = :reason, completed_at = :now
                        WHERE id = :id AND status = 'PENDING'
                        """)
                .bind("status", status)
                .bind("reference", reference)
                .bind("reason", reason)
                .bind("now", now)
                .bind("id", paymentId)
                .execute();
        if (updated != 1) { // impossible under the row lock taken above; never settle twice silently
            throw new IllegalStateException("payment " + paymentId + " is no longer PENDING");
        }
    }

    private static void insertTransfer(
            Handle handle,
            String kind,
            UUID reference,
            UUID debit,
            UUID credit,
            long amount,
            String currency,
            Instant now) {
        handle.createUpdate("""
                        INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency,
                                              created_at)
                        VALUES (:id, :kind, :reference, :debit, :credit, :amount, :currency, :now)
                        """)
                .bind("id", UUID.randomUUID())
                .bind("kind", kind)
                .bind("reference", reference)
                .bind("debit", debit)
                .bind("credit", credit)
                .bind("amount", amount)
                .bind("currency", currency)
                .bind("now", now)
                .execute();
    }

    static Balance currentBalance(Handle handle, UUID walletId) {
        return handle.createQuery("SELECT currency, balance FROM account WHERE id = :id AND kind = 'WALLET'")
                .bind("id", walletId)
                .map((rs, ctx) -> new Balance(rs.getString("currency"), rs.getLong("balance")))
                .findOne()
                .orElseThrow(() -> new WalletException.WalletNotFound(walletId));
    }

    private static BillPayment payment(ResultSet rs) throws SQLException {
        OffsetDateTime completed = rs.getObject("completed_at", OffsetDateTime.class);
        return new BillPayment(
                rs.getObject("id", UUID.class),
                rs.getObject("wallet_id", UUID.class),
                rs.getString("biller"),
                rs.getString("customer_ref"),
                rs.getLong("amount"),
                rs.getString("currency"),
                BillPayment.Status.valueOf(rs.getString("status")),
                Optional.ofNullable(rs.getString("provider_reference")),
                Optional.ofNullable(rs.getString("failure_reason")),
                instant(rs, "created_at"),
                Optional.ofNullable(completed).map(OffsetDateTime::toInstant));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    /** Microseconds, PostgreSQL's precision, so what is returned equals what is read back. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private static void requireTransaction(Handle handle) {
        Objects.requireNonNull(handle, "handle");
        if (!handle.isInTransaction()) {
            throw new IllegalStateException("this method joins the caller's transaction; the handle has none");
        }
    }

    private static void requireTraceparent(String value) {
        if (!TRACEPARENT.matcher(value).matches() || value.startsWith("ff")) {
            throw new WalletException.InvalidField("traceparent is not a W3C traceparent value");
        }
    }

    private static void requireLength(String value, String field, int max) {
        if (value.isBlank() || value.length() > max) {
            throw new WalletException.InvalidField(field + " must be 1 to " + max + " characters");
        }
    }

    record Balance(String currency, long balance) {}

    private record PaymentRow(BillPayment payment, UUID clearingAccount) {}
}
