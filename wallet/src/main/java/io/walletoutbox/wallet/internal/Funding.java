package io.walletoutbox.wallet.internal;

import io.walletoutbox.wallet.Money;
import io.walletoutbox.wallet.TopUp;
import io.walletoutbox.wallet.Wallet;
import io.walletoutbox.wallet.WalletException;
import io.walletoutbox.wallet.Wallets;
import io.walletoutbox.wallet.internal.SystemAccounts.Kind;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Opening and funding wallets: a new empty wallet, and top-ups (the funding account → the wallet). Lock order:
 * wallet, then funding.
 */
final class Funding {
    private final WalletContext context;
    private final SystemAccounts systemAccounts = new SystemAccounts();

    Funding(WalletContext context) {
        this.context = Objects.requireNonNull(context, "context");
    }

    /** {@link Wallets#create(String, String)}. */
    Wallet open(String ownerId, String currency) {
        Money.requireOwnerId(ownerId);
        Money.requireCurrency(currency);
        UUID id = UUID.randomUUID();
        Instant now = context.now();
        context.jdbi()
                .useHandle(h -> h.createUpdate("""
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

    /** {@link Wallets#topUp(Handle, UUID, long)}. */
    TopUp topUp(Handle handle, UUID walletId, long amount) {
        WalletContext.requireTransaction(handle);
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
        Instant now = context.now();
        handle.createUpdate("""
                        INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency,
                                              created_at)
                        VALUES (:id, 'TOP_UP', :reference, :debit, :credit, :amount, :currency, :now)
                        """)
                .bind("id", UUID.randomUUID())
                .bind("reference", topUpId)
                .bind("debit", funding)
                .bind("credit", walletId)
                .bind("amount", amount)
                .bind("currency", currency)
                .bind("now", now)
                .execute();
        return new TopUp(topUpId, walletId, amount, currency, credited.get().balance(), now);
    }

    private static Balance currentBalance(Handle handle, UUID walletId) {
        return handle.createQuery("SELECT currency, balance FROM account WHERE id = :id AND kind = 'WALLET'")
                .bind("id", walletId)
                .map((rs, ctx) -> new Balance(rs.getString("currency"), rs.getLong("balance")))
                .findOne()
                .orElseThrow(() -> new WalletException.WalletNotFound(walletId));
    }

    private record Balance(String currency, long balance) {}
}
