package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A wallet's entries, newest first, walked page by page with opaque cursors. */
class TransactionsIT {
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = new TestDatabase("transactions_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void entriesComeNewestFirstWithSignedAmountsAndEveryOneOnce() {
        Wallet w = db.walletWith(0);
        TopUp t1 = db.wallets.topUp(w.id(), 1000);
        BillPayment p1 =
                db.wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "A", 300), Optional.empty());
        BillPayment p2 =
                db.wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "B", 200), Optional.empty());
        db.jdbi.useTransaction(h -> db.wallets.recordOutcome(h, p2.id(), new PaymentOutcome.Declined("no")));
        db.jdbi.useTransaction(h -> db.wallets.recordOutcome(h, p1.id(), new PaymentOutcome.Paid("ok")));
        TopUp t2 = db.wallets.topUp(w.id(), 5);

        List<TransactionPage.Entry> all = walk(w.id(), 2);
        assertEquals(
                List.of("TOP_UP", "REFUND", "BILL_PAYMENT", "BILL_PAYMENT", "TOP_UP"),
                all.stream().map(TransactionPage.Entry::kind).toList());
        assertEquals(
                List.of(5L, 200L, -200L, -300L, 1000L),
                all.stream().map(TransactionPage.Entry::amount).toList());
        assertEquals(
                List.of(t2.id(), p2.id(), p2.id(), p1.id(), t1.id()),
                all.stream().map(TransactionPage.Entry::reference).toList());
        assertEquals(
                db.balance(w.id()),
                all.stream().mapToLong(TransactionPage.Entry::amount).sum());
    }

    @Test
    void aWalkIsStableWhileNewEntriesArrive() {
        Wallet w = db.walletWith(0);
        for (int i = 1; i <= 7; i++) {
            db.wallets.topUp(w.id(), i);
        }
        List<TransactionPage.Entry> seen = new ArrayList<>();
        TransactionPage page = db.wallets.transactions(w.id(), 3, Optional.empty());
        seen.addAll(page.items());
        while (page.nextCursor().isPresent()) {
            db.wallets.topUp(w.id(), 100); // arrives between pages: newer than the walk, never in it
            page = db.wallets.transactions(w.id(), 3, page.nextCursor());
            seen.addAll(page.items());
        }
        assertEquals(
                List.of(7L, 6L, 5L, 4L, 3L, 2L, 1L),
                seen.stream().map(TransactionPage.Entry::amount).toList());
        assertEquals(
                7,
                new HashSet<>(seen.stream()
                                .map(TransactionPage.Entry::transferId)
                                .toList())
                        .size());
    }

    @Test
    void anEmptyWalletHasOneEmptyPage() {
        Wallet w = db.walletWith(0);
        TransactionPage page = db.wallets.transactions(w.id(), 10, Optional.empty());
        assertTrue(page.items().isEmpty());
        assertEquals(Optional.empty(), page.nextCursor());
    }

    @Test
    void badCursorsLimitsAndWalletsAreRefused() {
        Wallet w = db.walletWith(0);
        Wallet other = db.walletWith(0);
        for (int i = 0; i < 3; i++) {
            db.wallets.topUp(other.id(), 1);
        }
        String othersCursor = db.wallets
                .transactions(other.id(), 1, Optional.empty())
                .nextCursor()
                .orElseThrow();
        for (String bad : List.of("", "garbage!", "djE6eDox", othersCursor, "x".repeat(500), "' OR 1=1 --")) {
            assertThrows(
                    WalletException.InvalidCursor.class,
                    () -> db.wallets.transactions(w.id(), 10, Optional.of(bad)),
                    bad);
        }
        assertThrows(WalletException.InvalidField.class, () -> db.wallets.transactions(w.id(), 0, Optional.empty()));
        assertThrows(
                WalletException.InvalidField.class,
                () -> db.wallets.transactions(w.id(), Wallets.MAX_PAGE_SIZE + 1, Optional.empty()));
        assertThrows(
                WalletException.WalletNotFound.class,
                () -> db.wallets.transactions(UUID.randomUUID(), 10, Optional.empty()));
    }

    private static List<TransactionPage.Entry> walk(UUID walletId, int limit) {
        List<TransactionPage.Entry> all = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        do {
            TransactionPage page = db.wallets.transactions(walletId, limit, cursor);
            assertTrue(page.items().size() <= limit);
            all.addAll(page.items());
            cursor = page.nextCursor();
        } while (cursor.isPresent());
        return all;
    }
}
