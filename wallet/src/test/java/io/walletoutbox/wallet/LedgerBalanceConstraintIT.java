package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * I1 in the database (migration V6): a transaction whose balance changes are not explained by its transfers is
 * refused at COMMIT, whoever sends it; the running total it checks against ({@code account.entries}) is written by
 * the database alone; every path of the service still commits.
 */
class LedgerBalanceConstraintIT {
    private static final String CHECK_VIOLATION = "23514";
    private static final String RESTRICT_VIOLATION = "23001";
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = new TestDatabase("ledger_balance_constraint_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void aRawBalanceUpdateIsRefusedAtCommit() throws SQLException {
        Wallet w = db.walletWith(500);
        try (Connection c = db.dataSource.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            // the statement itself passes: the check is deferred to the commit
            assertEquals(
                    1, s.executeUpdate("UPDATE account SET balance = balance + 100000 WHERE id = '" + w.id() + "'"));
            SQLException refused = assertThrows(SQLException.class, c::commit);
            assertEquals(CHECK_VIOLATION, refused.getSQLState(), refused.getMessage());
            assertTrue(refused.getMessage().contains(w.id().toString()), refused.getMessage());
            c.setAutoCommit(true);
        }
        assertEquals(500, db.balance(w.id()));
    }

    @Test
    void aRawBalanceUpdateInAutocommitIsRefused() {
        Wallet w = db.walletWith(500);
        assertSqlState(CHECK_VIOLATION, "UPDATE account SET balance = balance + 100000 WHERE id = '" + w.id() + "'");
        assertEquals(500, db.balance(w.id()));
    }

    @Test
    void makingTheCheckImmediateRefusesTheStatementAndNeverSkipsIt() throws SQLException {
        Wallet w = db.walletWith(500);
        try (Connection c = db.dataSource.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET CONSTRAINTS ALL IMMEDIATE");
            SQLException refused = assertThrows(
                    SQLException.class,
                    () -> s.executeUpdate("UPDATE account SET balance = balance + 1 WHERE id = '" + w.id() + "'"));
            assertEquals(CHECK_VIOLATION, refused.getSQLState());
            c.rollback();
            s.execute("SET CONSTRAINTS account_balance_is_its_entries DEFERRED");
            s.executeUpdate("UPDATE account SET balance = balance + 1 WHERE id = '" + w.id() + "'");
            assertEquals(
                    CHECK_VIOLATION, assertThrows(SQLException.class, c::commit).getSQLState());
            c.setAutoCommit(true);
        }
        assertEquals(500, db.balance(w.id()));
    }

    @Test
    void entriesCannotBeWrittenByAnyStatement() {
        Wallet w = db.walletWith(500);
        String id = "'" + w.id() + "'";
        assertSqlState(RESTRICT_VIOLATION, "UPDATE account SET entries = entries + 100 WHERE id = " + id);
        assertSqlState(
                RESTRICT_VIOLATION,
                "UPDATE account SET balance = balance + 100, entries = entries + 100 WHERE id = " + id);
        assertSqlState(
                RESTRICT_VIOLATION,
                "DO $$ BEGIN UPDATE account SET balance = balance + 100, entries = entries + 100 WHERE id = " + id
                        + "; END $$");
        assertSqlState(
                RESTRICT_VIOLATION,
                "INSERT INTO account (id, kind, owner_id, currency, balance, entries)"
                        + " VALUES (gen_random_uuid(), 'WALLET', 'mallory', 'USD', 100, 100)");
        assertEquals(500, db.balance(w.id()));
        assertEquals(500, entries(w.id()));
    }

    @Test
    void anAccountIsNotCreatedWithMoney() {
        assertSqlState(
                CHECK_VIOLATION,
                "INSERT INTO account (id, kind, owner_id, currency, balance)"
                        + " VALUES (gen_random_uuid(), 'WALLET', 'mallory', 'USD', 100)");
    }

    @Test
    void aTransferWithoutItsBalanceChangesIsRefusedAtCommit() {
        Wallet a = db.walletWith(500);
        Wallet b = db.walletWith(0);
        assertSqlState(CHECK_VIOLATION, transferSql(a.id(), b.id(), 100));
        assertEquals(500, db.balance(a.id()));
        assertEquals(0, db.count("SELECT count(*) FROM transfer WHERE credit_account = ?", b.id()));
    }

    @Test
    void balanceChangesThatOtherTransfersExplainAreRefused() {
        Wallet a = db.walletWith(500);
        Wallet b = db.walletWith(0);
        Wallet c = db.walletWith(0);
        // the money leaves a and the transfer says so, but lands on b while the transfer names c
        assertSqlState(
                CHECK_VIOLATION,
                "UPDATE account SET balance = balance - 100 WHERE id = '" + a.id() + "'; "
                        + "UPDATE account SET balance = balance + 100 WHERE id = '" + b.id() + "'; "
                        + transferSql(a.id(), c.id(), 100));
        assertEquals(List.of(500L, 0L, 0L), List.of(db.balance(a.id()), db.balance(b.id()), db.balance(c.id())));
    }

    @Test
    void balanceChangesWithTheirTransferCommitWhoeverSendsThem() {
        Wallet a = db.walletWith(500);
        Wallet b = db.walletWith(0);
        db.jdbi.useTransaction(h -> {
            h.execute("UPDATE account SET balance = balance - 100 WHERE id = ?", a.id());
            h.execute("UPDATE account SET balance = balance + 100 WHERE id = ?", b.id());
            h.execute(transferSql(a.id(), b.id(), 100));
        });
        assertEquals(400, db.balance(a.id()));
        assertEquals(100, entries(b.id()));
        assertTrue(db.wallets.audit().consistent(), db.wallets.audit().toString());
    }

    @Test
    void everyPathOfTheServiceKeepsBalancesAndEntriesEqual() {
        Wallet w = db.walletWith(10_000);
        var request = new BillPaymentRequest("wifi", "ACC-1", 1_000);
        // in the caller's transaction and in one round trip (both through the functions of V5 and V7)
        BillPayment paid = db.wallets.requestBillPayment(w.id(), request, Optional.empty());
        BillPayment declined = db.wallets.requestBillPayment(w.id(), request, Optional.empty());
        db.jdbi.useTransaction(h -> db.wallets.recordOutcome(h, paid.id(), new PaymentOutcome.Paid("ref-1")));
        db.jdbi.useTransaction(h -> db.wallets.recordOutcome(h, declined.id(), new PaymentOutcome.Declined("no")));
        var oneTrip = db.wallets.requestBillPayment(
                new IdempotencyKeys.Request(w.id().toString(), UUID.randomUUID().toString(), "f".repeat(64)),
                w.id(),
                w.ownerId(),
                request,
                Optional.empty(),
                p -> new StoredResponse(202, "application/json", "{\"currency\":\"XXX\"}".getBytes()));
        assertTrue(oneTrip instanceof IdempotencyKeys.Executed, oneTrip.toString());
        UUID third = db.jdbi.withHandle(
                h -> h.createQuery("SELECT id FROM bill_payment WHERE wallet_id = ? AND status = 'PENDING'")
                        .bind(0, w.id())
                        .mapTo(UUID.class)
                        .one());
        assertEquals(
                OutcomeRecorded.RECORDED,
                db.wallets.recordOutcome(
                        new InboxEntry("test", UUID.randomUUID()), third, w.id(), new PaymentOutcome.Paid("ref-3")));

        assertEquals(8_000, db.balance(w.id()));
        assertEquals(0, db.count("SELECT count(*) FROM account WHERE balance <> entries"));
        LedgerAudit audit = db.wallets.audit();
        assertEquals(0, audit.differences(), audit.toString());
    }

    private static long entries(UUID account) {
        return db.count("SELECT entries FROM account WHERE id = ?", account);
    }

    private static String transferSql(UUID debit, UUID credit, long amount) {
        return "INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency) "
                + "VALUES (gen_random_uuid(), 'TOP_UP', gen_random_uuid(), '" + debit + "', '" + credit + "', "
                + amount + ", 'USD')";
    }

    /** Runs {@code sql} in autocommit (its own transaction) and expects it refused with {@code state}. */
    private static void assertSqlState(String state, String sql) {
        SQLException refused = assertThrows(SQLException.class, () -> {
            try (Connection c = db.dataSource.getConnection();
                    Statement s = c.createStatement()) {
                s.execute(sql);
            }
        });
        assertEquals(state, refused.getSQLState(), sql + ": " + refused.getMessage());
    }
}
