package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the database itself refuses, whatever SQL a bug or an operator sends (the first line of defence). */
class LedgerConstraintsIT {
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = new TestDatabase("ledger_constraints_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void transfersCanNeitherBeUpdatedNorDeletedNorTruncated() {
        Wallet w = db.walletWith(500);
        long transfers = db.count("SELECT count(*) FROM transfer");
        assertRefused("UPDATE transfer SET amount = amount + 1");
        assertRefused("DELETE FROM transfer");
        assertRefused("TRUNCATE transfer CASCADE");
        assertEquals(transfers, db.count("SELECT count(*) FROM transfer"));
        assertEquals(500, db.balance(w.id()));
    }

    @Test
    void aWalletBalanceCannotGoNegativeOrAboveTheMaximumEvenWithRawSql() {
        Wallet w = db.walletWith(10);
        assertRefused("UPDATE account SET balance = -1 WHERE id = '" + w.id() + "'");
        assertRefused("UPDATE account SET balance = 1000000000000001 WHERE id = '" + w.id() + "'");
        assertEquals(10, db.balance(w.id()));
    }

    @Test
    void aTransferBetweenAccountsOfDifferentCurrenciesIsRefused() {
        Wallet usd = db.walletWith(0);
        Wallet eur = db.wallets.create("eve", "EUR");
        assertRefused(transferSql(usd.id(), eur.id(), 1, "USD"));
        assertRefused(transferSql(usd.id(), eur.id(), 1, "EUR"));
    }

    @Test
    void aTransferOfZeroOrNegativeOrToItselfIsRefused() {
        Wallet a = db.walletWith(0);
        Wallet b = db.walletWith(0);
        assertRefused(transferSql(a.id(), b.id(), 0, "USD"));
        assertRefused(transferSql(a.id(), b.id(), -5, "USD"));
        assertRefused(transferSql(a.id(), a.id(), 5, "USD"));
    }

    @Test
    void aPaymentIsDebitedAtMostOnceEvenWithRawSql() {
        Wallet w = db.walletWith(100);
        BillPayment p =
                db.wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "A", 10), Optional.empty());
        UUID clearing = db.jdbi.withHandle(h -> h.createQuery("SELECT clearing_account FROM bill_payment WHERE id = ?")
                .bind(0, p.id())
                .mapTo(UUID.class)
                .one());
        assertRefused("INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency) "
                + "VALUES (gen_random_uuid(), 'BILL_PAYMENT', '" + p.id() + "', '" + w.id() + "', '" + clearing
                + "', 10, 'USD')");
    }

    @Test
    void aPaymentMovesOnlyFromPendingToATerminalState() {
        Wallet w = db.walletWith(100);
        BillPayment p =
                db.wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "A", 10), Optional.empty());
        String id = "'" + p.id() + "'";
        assertRefused("UPDATE bill_payment SET status = 'BOGUS' WHERE id = " + id);
        assertRefused("UPDATE bill_payment SET status = 'SUCCEEDED' WHERE id = " + id); // no reference, no time
        assertRefused("UPDATE bill_payment SET amount = 1 WHERE id = " + id);
        assertRefused("DELETE FROM bill_payment WHERE id = " + id);
        db.jdbi.useTransaction(h -> db.wallets.recordOutcome(h, p.id(), new PaymentOutcome.Paid("ref")));
        assertRefused("UPDATE bill_payment SET status = 'FAILED', provider_reference = NULL, failure_reason = 'x' "
                + "WHERE id = " + id);
        assertRefused("UPDATE bill_payment SET status = 'PENDING', provider_reference = NULL, completed_at = NULL "
                + "WHERE id = " + id);
        assertEquals(
                BillPayment.Status.SUCCEEDED,
                db.wallets.findPayment(p.id()).orElseThrow().status());
    }

    private static String transferSql(UUID debit, UUID credit, long amount, String currency) {
        return "INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount, currency) "
                + "VALUES (gen_random_uuid(), 'TOP_UP', gen_random_uuid(), '" + debit + "', '" + credit + "', "
                + amount + ", '" + currency + "')";
    }

    private static void assertRefused(String sql) {
        assertThrows(UnableToExecuteStatementException.class, () -> db.jdbi.useHandle(h -> h.execute(sql)), sql);
    }
}
