package io.walletoutbox.wallet.internal;

import io.walletoutbox.outbox.Inbox;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.ServerSideAppend;
import io.walletoutbox.wallet.BillPayment;
import io.walletoutbox.wallet.BillPaymentRequest;
import io.walletoutbox.wallet.IdempotencyKeys;
import io.walletoutbox.wallet.InboxEntry;
import io.walletoutbox.wallet.LedgerAudit;
import io.walletoutbox.wallet.Money;
import io.walletoutbox.wallet.OutcomeRecorded;
import io.walletoutbox.wallet.PaymentOutcome;
import io.walletoutbox.wallet.StoredResponse;
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
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The ledger on PostgreSQL. Locks are always taken in one order (payment → wallet → clearing → settlement, and
 * wallet → funding), so concurrent transfers never deadlock.
 *
 * <p>The daily payment limit is a counter on the wallet's row ({@code spend_day}, {@code spend_amount}; see the
 * migration {@code V3__daily_payment_spend.sql} for why there): the guarded debit adds to it and refuses to pass the
 * limit in the same statement, the refund of a declined payment of that day subtracts from it.
 */
public final class PostgresWallets implements Wallets {
    private static final Inbox INBOX = Inbox.create();
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    private final Jdbi jdbi;
    private final OutboxWriter outbox;
    private final WalletConfig config;
    private final Clock clock;
    private final SystemAccounts systemAccounts = new SystemAccounts();
    private final EventPayloads payloads = new EventPayloads();
    private final LedgerReads reads;
    private final PostgresIdempotencyKeys idempotencyKeys;
    private final BillPaymentFunction.Connections connections;

    public PostgresWallets(Jdbi jdbi, OutboxWriter outbox, WalletConfig config) {
        this(jdbi, outbox, config, Clock.systemUTC());
    }

    /**
     * With {@code pool}, the data source behind {@code jdbi}: the payment request's one call takes its connection
     * from there directly (plain JDBC, no handle).
     */
    public PostgresWallets(Jdbi jdbi, DataSource pool, OutboxWriter outbox, WalletConfig config) {
        this(
                jdbi,
                BillPaymentFunction.Connections.of(Objects.requireNonNull(pool, "pool")),
                outbox,
                config,
                Clock.systemUTC());
    }

    /** With the clock that stamps rows and says which UTC day a payment counts for (tests move it). */
    public PostgresWallets(Jdbi jdbi, OutboxWriter outbox, WalletConfig config, Clock clock) {
        this(jdbi, BillPaymentFunction.Connections.of(Objects.requireNonNull(jdbi, "jdbi")), outbox, config, clock);
    }

    private PostgresWallets(
            Jdbi jdbi,
            BillPaymentFunction.Connections connections,
            OutboxWriter outbox,
            WalletConfig config,
            Clock clock) {
        this.connections = connections;
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.reads = new LedgerReads(jdbi);
        this.idempotencyKeys = new PostgresIdempotencyKeys(jdbi, config);
    }

    @Override
    public Wallet create(String ownerId, String currency) {
        Money.requireOwnerId(ownerId);
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
                .map((rs, ctx) -> wallet(rs))
                .findOne());
    }

    @Override
    public Optional<Wallet> find(UUID walletId, String ownerId) {
        Objects.requireNonNull(walletId, "walletId");
        Objects.requireNonNull(ownerId, "ownerId");
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, owner_id, currency, balance, created_at FROM account
                        WHERE id = :id AND kind = 'WALLET' AND owner_id = :owner
                        """)
                .bind("id", walletId)
                .bind("owner", ownerId)
                .map((rs, ctx) -> wallet(rs))
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
        return requestBillPayment(handle, walletId, null, request, traceparent);
    }

    @Override
    public BillPayment requestBillPayment(
            Handle handle, UUID walletId, String ownerId, BillPaymentRequest request, Optional<String> traceparent) {
        requireTransaction(handle);
        Objects.requireNonNull(walletId, "walletId");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(traceparent, "traceparent");
        traceparent.ifPresent(PostgresWallets::requireTraceparent);
        Instant now = now();
        String currency =
                debit(handle, walletId, ownerId, request.amount(), utcDay(now)).currency();
        UUID clearing = systemAccounts.id(handle, Kind.BILLER_CLEARING, currency, walletId);
        SystemAccounts.adjust(handle, clearing, request.amount());
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
    public IdempotencyKeys.Result requestBillPayment(
            IdempotencyKeys.Request key,
            UUID walletId,
            String ownerId,
            BillPaymentRequest request,
            Optional<String> traceparent,
            Function<BillPayment, StoredResponse> response) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(walletId, "walletId");
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(traceparent, "traceparent");
        Objects.requireNonNull(response, "response");
        traceparent.ifPresent(PostgresWallets::requireTraceparent);
        Instant now = now();
        var payment = new BillPayment(
                UUID.randomUUID(),
                walletId,
                request.biller(),
                request.customerRef(),
                request.amount(),
                CURRENCY_TO_COME,
                BillPayment.Status.PENDING,
                Optional.empty(),
                Optional.empty(),
                now,
                Optional.empty());
        StoredResponse rendered = Objects.requireNonNull(response.apply(payment), "response rendered nothing");
        CurrencySplit body = CurrencySplit.of(rendered.body());
        OutboxEvent event = event(walletId, WalletEvents.BILL_PAYMENT_REQUESTED, payloads.requested(payment), now);
        if (traceparent.isPresent()) {
            event = event.withHeader("traceparent", traceparent.get());
        }
        Optional<ServerSideAppend> append;
        try {
            append = outbox.serverSide(event);
        } catch (OutboxException.WritesRefusedException refused) {
            // Statement by statement, a replay or a refusal still answers as before; a payment is refused there.
            append = Optional.empty();
        }
        if (append.isEmpty()) {
            return statementByStatement(key, walletId, ownerId, request, traceparent, response);
        }
        var answer = BillPaymentFunction.call(
                connections,
                new BillPaymentFunction.Call(
                        key,
                        config.idempotencyRetention().toMillis(),
                        walletId,
                        ownerId,
                        request.amount(),
                        utcDay(now),
                        config.dailyPaymentLimit(),
                        SystemAccounts.bucketOf(walletId),
                        payment.id(),
                        UUID.randomUUID(),
                        request.biller(),
                        request.customerRef(),
                        now,
                        append.get(),
                        CurrencySplit.of(event.payload()),
                        rendered.status(),
                        rendered.contentType(),
                        body));
        return switch (answer) {
            case BillPaymentFunction.Executed executed -> {
                append.get().committed().run();
                yield new IdempotencyKeys.Executed(
                        new StoredResponse(rendered.status(), rendered.contentType(), body.fill(executed.currency())));
            }
            case BillPaymentFunction.KeyAnswer keyAnswer -> keyAnswer.result();
            case BillPaymentFunction.WalletNotFound notFound -> throw new WalletException.WalletNotFound(walletId);
            case BillPaymentFunction.InsufficientFunds short_ ->
                throw new WalletException.InsufficientFunds(
                        "balance " + short_.balance() + " is below the amount " + request.amount());
            case BillPaymentFunction.DailyLimit limit ->
                throw new WalletException.DailyLimitExceeded(
                        walletId, config.dailyPaymentLimit(), limit.spentToday(), request.amount());
        };
    }

    /** The same request as separate statements in one transaction (a writer without a server-side form). */
    private IdempotencyKeys.Result statementByStatement(
            IdempotencyKeys.Request key,
            UUID walletId,
            String ownerId,
            BillPaymentRequest request,
            Optional<String> traceparent,
            Function<BillPayment, StoredResponse> response) {
        return idempotencyKeys.execute(key.scope(), key.key(), key.fingerprint(), handle -> {
            BillPayment made = requestBillPayment(handle, walletId, ownerId, request, traceparent);
            return Objects.requireNonNull(response.apply(made), "response rendered nothing");
        });
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
    public Optional<BillPayment> findPayment(UUID paymentId, String ownerId) {
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(ownerId, "ownerId");
        // Two primary-key lookups in one statement: another owner's payment reads exactly like a missing one.
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT p.* FROM bill_payment p JOIN account a ON a.id = p.wallet_id
                        WHERE p.id = :id AND a.owner_id = :owner
                        """)
                .bind("id", paymentId)
                .bind("owner", ownerId)
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
                // The refund: wallet first (lock order), then clearing. It frees the amount from the daily limit
                // if the payment counts on the wallet's counter, i.e. was made on the counter's day; never below
                // zero, so a refund is never refused over the counter.
                int refunded = handle.createUpdate("""
                                UPDATE account SET balance = balance + :amount,
                                       spend_amount = CASE WHEN spend_day = :day
                                                           THEN greatest(spend_amount - :amount, 0)
                                                           ELSE spend_amount END
                                WHERE id = :id
                                """)
                        .bind("amount", payment.amount())
                        .bind("day", utcDay(payment.createdAt()))
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
    public OutcomeRecorded recordOutcome(InboxEntry inbox, UUID paymentId, UUID walletId, PaymentOutcome outcome) {
        Objects.requireNonNull(inbox, "inbox");
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(walletId, "walletId");
        Objects.requireNonNull(outcome, "outcome");
        boolean paid;
        String detail;
        switch (outcome) {
            case PaymentOutcome.Paid p -> {
                requireLength(p.reference(), "reference", 200);
                paid = true;
                detail = p.reference();
            }
            case PaymentOutcome.Declined d -> {
                requireLength(d.reason(), "reason", 500);
                paid = false;
                detail = d.reason();
            }
        }
        Instant now = now();
        // The event's payload is completed by the function; its aggregate (the wallet) decides the shard.
        OutboxEvent event = event(
                walletId, paid ? WalletEvents.BILL_PAYMENT_SUCCEEDED : WalletEvents.BILL_PAYMENT_FAILED, "{}", now);
        Optional<ServerSideAppend> append = outbox.serverSide(event);
        if (append.isPresent()) {
            Optional<OutcomeRecorded> answer;
            try {
                answer = OutcomeFunction.call(
                        jdbi,
                        new OutcomeFunction.Call(
                                inbox,
                                paymentId,
                                walletId,
                                paid,
                                paid ? detail : null,
                                paid ? null : detail,
                                now,
                                SystemAccounts.bucketOf(walletId),
                                append.get(),
                                payloads.tail(paid ? "providerReference" : "reason", detail)));
            } catch (org.jdbi.v3.core.JdbiException e) {
                if (OutcomeFunction.NOT_FOUND.equals(OutcomeFunction.sqlState(e))) {
                    throw new WalletException.PaymentNotFound(paymentId);
                }
                throw e;
            }
            if (answer.isPresent()) {
                if (answer.get() == OutcomeRecorded.RECORDED) {
                    append.get().committed().run();
                }
                return answer.get();
            }
            // The payment is of another wallet than the caller said: statement by statement, with its own.
        }
        return jdbi.inTransaction(h -> {
            if (!INBOX.markProcessed(h, inbox.consumer(), inbox.eventId())) {
                return OutcomeRecorded.DUPLICATE;
            }
            return recordOutcome(h, paymentId, outcome) ? OutcomeRecorded.RECORDED : OutcomeRecorded.UNCHANGED;
        });
    }

    @Override
    public TransactionPage transactions(UUID walletId, int limit, Optional<String> cursor) {
        return reads.transactions(walletId, Optional.empty(), limit, cursor);
    }

    @Override
    public TransactionPage transactions(UUID walletId, String ownerId, int limit, Optional<String> cursor) {
        Objects.requireNonNull(ownerId, "ownerId");
        return reads.transactions(walletId, Optional.of(ownerId), limit, cursor);
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

    /**
     * The guarded debit: takes {@code amount} from the wallet if its balance covers it and its payments of {@code
     * day} stay within the daily limit, adding the amount to that day's counter, in one statement. It locks the
     * wallet row until commit, which orders this wallet's outbox events and serialises concurrent payments of one
     * wallet: each re-checks both guards on the row the previous one committed. When refused, nothing is written.
     *
     * <p>The counter's day never goes back: should another instance's clock already have moved it to the next day,
     * this payment counts against that day (the stricter choice), and its refund then frees nothing.
     */
    /** The guarded debit; with {@code ownerId} non-null, only a wallet of that owner (others read as missing). */
    private Balance debit(Handle handle, UUID walletId, String ownerId, long amount, LocalDate day) {
        long limit = config.dailyPaymentLimit();
        for (int attempt = 1; ; attempt++) {
            // used + amount <= limit, written without overflow: used <= MAX_AMOUNT and limit - amount >= -MAX_AMOUNT.
            Optional<Balance> debited = handle.createQuery("""
                            UPDATE account SET balance = balance - :amount,
                                   spend_day = greatest(spend_day, :day),
                                   spend_amount = CASE WHEN spend_day >= :day THEN spend_amount ELSE 0 END + :amount
                            WHERE id = :id AND kind = 'WALLET' AND balance >= :amount
                              AND CASE WHEN spend_day >= :day THEN spend_amount ELSE 0 END <= :headroom
                              AND (CAST(:owner AS text) IS NULL OR owner_id = :owner)
                            RETURNING currency, balance
                            """)
                    .bind("owner", ownerId)
                    .bind("amount", amount)
                    .bind("day", day)
                    .bind("headroom", limit - amount)
                    .bind("id", walletId)
                    .map((rs, ctx) -> new Balance(rs.getString("currency"), rs.getLong("balance")))
                    .findOne();
            if (debited.isPresent()) {
                return debited.get();
            }
            // Refused: find out why under the row lock, so the answer cannot change before this transaction ends.
            Spend now = handle.createQuery("""
                            SELECT balance, CASE WHEN spend_day >= :day THEN spend_amount ELSE 0 END AS used
                            FROM account WHERE id = :id AND kind = 'WALLET'
                              AND (CAST(:owner AS text) IS NULL OR owner_id = :owner)
                            FOR NO KEY UPDATE
                            """)
                    .bind("owner", ownerId)
                    .bind("day", day)
                    .bind("id", walletId)
                    .map((rs, ctx) -> new Spend(rs.getLong("balance"), rs.getLong("used")))
                    .findOne()
                    .orElseThrow(() -> new WalletException.WalletNotFound(walletId));
            if (now.balance() < amount) {
                throw new WalletException.InsufficientFunds(
                        "balance " + now.balance() + " is below the amount " + amount);
            }
            if (now.used() > limit - amount) {
                throw new WalletException.DailyLimitExceeded(walletId, limit, now.used(), amount);
            }
            // A concurrent refund made room between the two statements; under the lock the debit now succeeds.
            if (attempt == 2) {
                throw new IllegalStateException("wallet " + walletId + ": the guarded debit failed under its lock");
            }
        }
    }

    static Balance currentBalance(Handle handle, UUID walletId) {
        return handle.createQuery("SELECT currency, balance FROM account WHERE id = :id AND kind = 'WALLET'")
                .bind("id", walletId)
                .map((rs, ctx) -> new Balance(rs.getString("currency"), rs.getLong("balance")))
                .findOne()
                .orElseThrow(() -> new WalletException.WalletNotFound(walletId));
    }

    private static Wallet wallet(ResultSet rs) throws SQLException {
        return new Wallet(
                rs.getObject("id", UUID.class),
                rs.getString("owner_id"),
                rs.getString("currency"),
                rs.getLong("balance"),
                instant(rs, "created_at"));
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
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** The day a payment made at {@code instant} counts for. */
    private static LocalDate utcDay(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC);
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

    private record Spend(long balance, long used) {}

    private record PaymentRow(BillPayment payment, UUID clearingAccount) {}
}
