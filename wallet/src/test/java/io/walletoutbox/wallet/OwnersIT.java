package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Owner ids that are token subjects, and reads that answer only the owner (another's reads like a missing one). */
class OwnersIT {
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = new TestDatabase("owners_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "auth0|5f7c8ec7c33c6c004bbafe82",
                "0b6e8f3e-3c0f-4b5e-9d8a-2f1d7c5a9e41",
                "alice@example.com",
                "service-account-x",
                "google-oauth2|1084 7612 9345",
                "O'Brien; \"quoted\" \\ <tag>",
                "caf\u00e9 \u4e2d\u6587 \ud83d\udcb3"
            })
    void tokenSubjectsAreKeptExactlyAsOwnerIds(String subject) {
        Wallet w = db.wallets.create(subject, "USD");
        assertEquals(subject, w.ownerId());
        assertEquals(Optional.of(w), db.wallets.find(w.id()));
        assertEquals(Optional.of(w), db.wallets.find(w.id(), subject));
    }

    @Test
    void ownerIdsUpTo255CharactersAreStoredAndLongerOnesRefused() {
        String longest = "s".repeat(254) + "\ud83d\udcb3"; // 255 code points, 256 UTF-16 units
        assertEquals(longest, db.wallets.create(longest, "USD").ownerId());
        assertThrows(WalletException.InvalidField.class, () -> db.wallets.create("s".repeat(256), "USD"));
    }

    @Test
    void theDatabaseRefusesOwnerIdsNoIssuerWouldSendAndAnyChangeOfOwner() {
        Wallet w = db.wallets.create("alice", "USD");
        String id = "'" + w.id() + "'";
        assertRefused("UPDATE account SET owner_id = 'mallory' WHERE id = " + id);
        assertRefused("UPDATE account SET currency = 'EUR' WHERE id = " + id);
        assertRefused(insertWallet("'" + "s".repeat(256) + "'"));
        assertRefused(insertWallet("'a' || chr(1) || 'b'"));
        assertRefused(insertWallet("'a' || chr(127)"));
        assertRefused(insertWallet("'a' || chr(133) || 'b'")); // C1 control (NEL)
        assertRefused(insertWallet("' alice'"));
        assertRefused(insertWallet("'alice' || chr(10)"));
        assertRefused(insertWallet("''"));
        db.jdbi.useHandle(h -> h.execute(insertWallet("'" + "s".repeat(255) + "'")));
        assertEquals("alice", db.wallets.find(w.id()).orElseThrow().ownerId());
    }

    @Test
    void aWalletIsFoundOnlyForItsOwner() {
        Wallet w = db.wallets.create("auth0|alice", "USD");
        assertEquals(Optional.of(w), db.wallets.find(w.id(), "auth0|alice"));
        assertEquals(Optional.empty(), db.wallets.find(w.id(), "auth0|bob"));
        assertEquals(Optional.empty(), db.wallets.find(w.id(), "AUTH0|ALICE")); // exact, never case-folded
        assertEquals(Optional.empty(), db.wallets.find(UUID.randomUUID(), "auth0|alice"));
    }

    @Test
    void onlyTheOwnerPaysFromAWalletAndAnotherOwnersAttemptWritesNothing() {
        Wallet w = db.wallets.create("auth0|alice", "USD");
        db.wallets.topUp(w.id(), 1_000);
        var request = new BillPaymentRequest("wifi", "ACC-1", 400);
        assertThrows(
                WalletException.WalletNotFound.class,
                () -> db.jdbi.useTransaction(
                        h -> db.wallets.requestBillPayment(h, w.id(), "auth0|bob", request, Optional.empty())));
        assertEquals(1_000, db.wallets.find(w.id()).orElseThrow().balance(), "not debited");
        BillPayment paid = db.jdbi.inTransaction(
                h -> db.wallets.requestBillPayment(h, w.id(), "auth0|alice", request, Optional.empty()));
        assertEquals(BillPayment.Status.PENDING, paid.status());
        assertEquals(600, db.wallets.find(w.id()).orElseThrow().balance());
        // another owner's refusal reads like a missing wallet's, whatever the balance
        var tooMuch = new BillPaymentRequest("wifi", "ACC-1", 5_000);
        assertThrows(
                WalletException.WalletNotFound.class,
                () -> db.jdbi.useTransaction(
                        h -> db.wallets.requestBillPayment(h, w.id(), "auth0|bob", tooMuch, Optional.empty())));
        assertThrows(
                WalletException.InsufficientFunds.class,
                () -> db.jdbi.useTransaction(
                        h -> db.wallets.requestBillPayment(h, w.id(), "auth0|alice", tooMuch, Optional.empty())));
    }

    @Test
    void aPaymentIsFoundOnlyForTheOwnerOfItsWallet() {
        Wallet w = db.wallets.create("alice", "USD");
        db.wallets.topUp(w.id(), 100);
        BillPayment p =
                db.wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "A", 10), Optional.empty());
        assertEquals(Optional.of(p), db.wallets.findPayment(p.id(), "alice"));
        assertEquals(Optional.empty(), db.wallets.findPayment(p.id(), "bob"));
        assertEquals(Optional.empty(), db.wallets.findPayment(UUID.randomUUID(), "alice"));
    }

    @Test
    void transactionsAreListedOnlyForTheOwnerAndAnotherOwnersWalletIsNotFound() {
        Wallet w = db.wallets.create("alice", "USD");
        db.wallets.topUp(w.id(), 100);
        db.wallets.topUp(w.id(), 50);
        TransactionPage first = db.wallets.transactions(w.id(), "alice", 1, Optional.empty());
        assertEquals(1, first.items().size());
        TransactionPage second = db.wallets.transactions(w.id(), "alice", 1, first.nextCursor());
        assertEquals(100, second.items().getFirst().amount());
        assertEquals(Optional.empty(), second.nextCursor());
        var other = assertThrows(
                WalletException.WalletNotFound.class,
                () -> db.wallets.transactions(w.id(), "bob", 10, Optional.empty()));
        var missing = assertThrows(
                WalletException.WalletNotFound.class,
                () -> db.wallets.transactions(UUID.randomUUID(), "bob", 10, Optional.empty()));
        assertEquals(
                other.getMessage().replace(w.id().toString(), "?"),
                missing.getMessage().replaceAll("[0-9a-f-]{36}", "?"));
        assertThrows(
                WalletException.WalletNotFound.class,
                () -> db.wallets.transactions(w.id(), "bob", 1, first.nextCursor()));
    }

    private static String insertWallet(String ownerExpression) {
        return "INSERT INTO account (id, kind, owner_id, currency) VALUES (gen_random_uuid(), 'WALLET', "
                + ownerExpression + ", 'USD')";
    }

    private static void assertRefused(String sql) {
        assertThrows(UnableToExecuteStatementException.class, () -> db.jdbi.useHandle(h -> h.execute(sql)), sql);
    }
}
