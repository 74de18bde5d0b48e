package io.walletoutbox.wallet.internal;

import io.walletoutbox.wallet.LedgerAudit;
import io.walletoutbox.wallet.TransactionPage;
import io.walletoutbox.wallet.WalletException;
import io.walletoutbox.wallet.Wallets;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/** The ledger's read-only queries: a wallet's entries page by page, and the whole-ledger audit. */
final class LedgerReads {
    private final Jdbi jdbi;

    LedgerReads(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The page; with an {@code owner}, a wallet of another owner is {@link WalletException.WalletNotFound}. */
    public TransactionPage transactions(UUID walletId, Optional<String> owner, int limit, Optional<String> cursor) {
        Objects.requireNonNull(walletId, "walletId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(cursor, "cursor");
        if (limit < 1 || limit > Wallets.MAX_PAGE_SIZE) {
            throw new WalletException.InvalidField("limit must be 1 to " + Wallets.MAX_PAGE_SIZE);
        }
        long before = cursor.map(c -> Cursors.decode(walletId, c)).orElse(Long.MAX_VALUE);
        return jdbi.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> {
            Optional<String> walletOwner = h.createQuery(
                            "SELECT owner_id FROM account WHERE id = :wallet AND kind = 'WALLET'")
                    .bind("wallet", walletId)
                    .mapTo(String.class)
                    .findOne();
            boolean found = walletOwner.isPresent()
                    && owner.map(walletOwner.get()::equals).orElse(true);
            if (!found) { // 404 for an unknown wallet, and for another owner's exactly the same
                throw new WalletException.WalletNotFound(walletId);
            }
            // Two index range scans (debit side, credit side), merged; one row more than asked tells if more follow.
            List<Row> rows = h.createQuery("""
                            (SELECT id, seq, kind, -amount AS amount, currency, reference, created_at FROM transfer
                              WHERE debit_account = :wallet AND seq < :before ORDER BY seq DESC LIMIT :n)
                            UNION ALL
                            (SELECT id, seq, kind, amount, currency, reference, created_at FROM transfer
                              WHERE credit_account = :wallet AND seq < :before ORDER BY seq DESC LIMIT :n)
                            ORDER BY seq DESC LIMIT :n
                            """)
                    .bind("wallet", walletId)
                    .bind("before", before)
                    .bind("n", limit + 1)
                    .map((rs, ctx) -> new Row(
                            rs.getLong("seq"),
                            new TransactionPage.Entry(
                                    rs.getObject("id", UUID.class),
                                    rs.getString("kind"),
                                    rs.getLong("amount"),
                                    rs.getString("currency"),
                                    rs.getObject("reference", UUID.class),
                                    WalletContext.instant(rs, "created_at"))))
                    .list();
            boolean more = rows.size() > limit;
            List<Row> page = more ? rows.subList(0, limit) : rows;
            Optional<String> next =
                    more ? Optional.of(Cursors.encode(walletId, page.getLast().seq())) : Optional.empty();
            return new TransactionPage(page.stream().map(Row::entry).toList(), next);
        });
    }

    /**
     * The whole-ledger audit in one REPEATABLE READ, READ ONLY snapshot: full scans of account, transfer and the
     * pending bill payments (one hash aggregation over every transfer), no locks taken.
     */
    public LedgerAudit audit() {
        return jdbi.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> {
            h.execute("SET TRANSACTION READ ONLY");
            long accounts = h.createQuery("SELECT count(*) FROM account")
                    .mapTo(Long.class)
                    .one();
            long transfers = h.createQuery("SELECT count(*) FROM transfer")
                    .mapTo(Long.class)
                    .one();
            long sum = h.createQuery("SELECT coalesce(sum(balance), 0) FROM account")
                    .mapTo(BigDecimal.class)
                    .one()
                    .longValueExact();
            // Every account against a full recomputation from the transfers: its balance (I1) and the running total
            // the database keeps (entries, which the commit-time constraint compares with the balance).
            List<Recomputed> recomputed = h.createQuery("""
                            WITH entries AS (
                                SELECT credit_account AS account, amount::numeric AS delta FROM transfer
                                UNION ALL
                                SELECT debit_account, -amount::numeric FROM transfer)
                            SELECT a.id, a.balance <> coalesce(e.total, 0) AS out_of_balance,
                                   a.entries <> coalesce(e.total, 0) AS drift
                            FROM account a
                            LEFT JOIN (SELECT account, sum(delta) AS total FROM entries GROUP BY account) e
                                   ON e.account = a.id
                            WHERE a.balance <> coalesce(e.total, 0) OR a.entries <> coalesce(e.total, 0)
                            ORDER BY a.id
                            """)
                    .map((rs, ctx) -> new Recomputed(
                            rs.getObject("id", UUID.class), rs.getBoolean("out_of_balance"), rs.getBoolean("drift")))
                    .list();
            List<UUID> negative = h.createQuery(
                            "SELECT id FROM account WHERE kind <> 'TOP_UP_FUNDING' AND balance < 0 ORDER BY id")
                    .mapTo(UUID.class)
                    .list();
            // Each clearing account holds exactly the money of its PENDING payments (a payment records its own).
            List<UUID> clearing = h.createQuery("""
                            SELECT coalesce(c.id, p.clearing_account) AS id
                            FROM (SELECT id, balance FROM account WHERE kind = 'BILLER_CLEARING') c
                            FULL JOIN (SELECT clearing_account, sum(amount) AS total FROM bill_payment
                                       WHERE status = 'PENDING' GROUP BY clearing_account) p
                                   ON p.clearing_account = c.id
                            WHERE coalesce(c.balance, 0) <> coalesce(p.total, 0)
                            ORDER BY 1
                            """).mapTo(UUID.class).list();
            return new LedgerAudit(
                    accounts,
                    transfers,
                    sum,
                    recomputed.stream()
                            .filter(Recomputed::outOfBalance)
                            .map(Recomputed::id)
                            .toList(),
                    negative,
                    recomputed.stream()
                            .filter(Recomputed::drift)
                            .map(Recomputed::id)
                            .toList(),
                    clearing);
        });
    }

    private record Recomputed(UUID id, boolean outOfBalance, boolean drift) {}

    private record Row(long seq, TransactionPage.Entry entry) {}
}
