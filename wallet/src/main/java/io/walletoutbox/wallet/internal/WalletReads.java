package io.walletoutbox.wallet.internal;

import io.walletoutbox.wallet.BillPayment;
import io.walletoutbox.wallet.Wallet;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** Wallets and payments by id, each one primary-key lookup (the ledger's pages and audit are {@link LedgerReads}). */
final class WalletReads {
    private final Jdbi jdbi;

    WalletReads(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    /** The wallet; with an {@code owner}, only one of that owner (another's reads as missing). */
    Optional<Wallet> wallet(UUID walletId, Optional<String> owner) {
        Objects.requireNonNull(walletId, "walletId");
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, owner_id, currency, balance, created_at FROM account
                        WHERE id = :id AND kind = 'WALLET' AND (CAST(:owner AS text) IS NULL OR owner_id = :owner)
                        """)
                .bind("id", walletId)
                .bind("owner", owner.orElse(null))
                .map((rs, ctx) -> wallet(rs))
                .findOne());
    }

    Optional<BillPayment> payment(UUID paymentId) {
        Objects.requireNonNull(paymentId, "paymentId");
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM bill_payment WHERE id = :id")
                .bind("id", paymentId)
                .map((rs, ctx) -> payment(rs))
                .findOne());
    }

    Optional<BillPayment> payment(UUID paymentId, String ownerId) {
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

    private static Wallet wallet(ResultSet rs) throws SQLException {
        return new Wallet(
                rs.getObject("id", UUID.class),
                rs.getString("owner_id"),
                rs.getString("currency"),
                rs.getLong("balance"),
                WalletContext.instant(rs, "created_at"));
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
                WalletContext.instant(rs, "created_at"),
                Optional.ofNullable(completed).map(OffsetDateTime::toInstant));
    }
}
