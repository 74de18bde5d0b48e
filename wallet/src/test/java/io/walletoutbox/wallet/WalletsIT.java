package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ledger and bill payments against a real PostgreSQL: what is written, what is refused, and the outbox. */
class WalletsIT {
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = new TestDatabase("wallets_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void createdWalletIsFoundWithZeroBalanceAndUnknownIdIsEmpty() {
        Wallet created = db.wallets.create("alice", "EUR");
        assertEquals(Optional.of(created), db.wallets.find(created.id()));
        assertEquals(0, created.balance());
        assertEquals(Optional.empty(), db.wallets.find(UUID.randomUUID()));
    }

    @Test
    void createRefusesBadOwnerAndCurrency() {
        assertThrows(WalletException.InvalidCurrency.class, () -> db.wallets.create("bob", "usd"));
        assertThrows(WalletException.InvalidCurrency.class, () -> db.wallets.create("bob", "XYZ"));
        assertThrows(WalletException.InvalidField.class, () -> db.wallets.create("", "USD"));
        assertThrows(WalletException.InvalidField.class, () -> db.wallets.create("a\u0000b", "USD"));
    }

    @Test
    void topUpCreditsTheWalletFromFundingAndKeepsTheLedgerBalanced() {
        Wallet w = db.walletWith(0);
        TopUp first = db.wallets.topUp(w.id(), 5000);
        TopUp second = db.wallets.topUp(w.id(), 250);
        assertEquals(5000, first.balance());
        assertEquals(5250, second.balance());
        assertEquals("USD", second.currency());
        assertEquals(5250, db.balance(w.id()));
        assertTrue(db.wallets.audit().consistent(), db.wallets.audit().toString());
    }

    @Test
    void topUpBeyondTheMaximumBalanceIsRefusedAndWritesNothing() {
        Wallet w = db.walletWith(Money.MAX_AMOUNT - 10);
        long transfers = db.count("SELECT count(*) FROM transfer");
        assertThrows(WalletException.AmountOutOfRange.class, () -> db.wallets.topUp(w.id(), 11));
        assertThrows(WalletException.AmountOutOfRange.class, () -> db.wallets.topUp(w.id(), 0));
        assertThrows(WalletException.AmountOutOfRange.class, () -> db.wallets.topUp(w.id(), -1));
        assertThrows(WalletException.AmountOutOfRange.class, () -> db.wallets.topUp(w.id(), Long.MAX_VALUE));
        assertEquals(Money.MAX_AMOUNT - 10, db.balance(w.id()));
        assertEquals(transfers, db.count("SELECT count(*) FROM transfer"));
        assertEquals(Money.MAX_AMOUNT, db.wallets.topUp(w.id(), 10).balance());
    }

    @Test
    void topUpOfUnknownWalletIsNotFound() {
        assertThrows(WalletException.WalletNotFound.class, () -> db.wallets.topUp(UUID.randomUUID(), 10));
    }

    @Test
    void billPaymentDebitsAndAppendsTheRequestedEventInTheSameTransaction() throws Exception {
        Wallet w = db.walletWith(1000);
        int commitsBefore = db.commitsWithEvents.get();
        BillPayment p = db.wallets.requestBillPayment(
                w.id(), new BillPaymentRequest("wifi", "ACC-1001", 400), Optional.of(TRACEPARENT));

        assertEquals(BillPayment.Status.PENDING, p.status());
        assertEquals(600, db.balance(w.id()));
        assertEquals(Optional.of(p), db.wallets.findPayment(p.id()));
        assertEquals(commitsBefore + 1, db.commitsWithEvents.get());

        var row = db.jdbi.withHandle(h ->
                h.createQuery("""
                        SELECT aggregate_type, aggregate_id, event_type, topic, payload, headers::text AS headers
                        FROM outbox_event WHERE aggregate_id = :wallet
                        """).bind("wallet", w.id().toString()).mapToMap().one());
        assertEquals("Wallet", row.get("aggregate_type"));
        assertEquals("BillPaymentRequested", row.get("event_type"));
        assertEquals("wallet.events.test", row.get("topic"));
        JsonNode payload = JSON.readTree((String) row.get("payload"));
        assertEquals(
                List.of("paymentId", "walletId", "biller", "customerRef", "amount", "currency"),
                iterable(payload.fieldNames()));
        assertEquals(p.id().toString(), payload.get("paymentId").asText());
        assertEquals(w.id().toString(), payload.get("walletId").asText());
        assertEquals("ACC-1001", payload.get("customerRef").asText());
        assertTrue(payload.get("amount").isIntegralNumber());
        assertEquals(400, payload.get("amount").asLong());
        assertEquals("USD", payload.get("currency").asText());
        assertEquals(
                TRACEPARENT,
                JSON.readTree((String) row.get("headers")).get("traceparent").asText());
        assertTrue(db.wallets.audit().consistent());
    }

    @Test
    void insufficientFundsWritesNothingAtAll() {
        Wallet w = db.walletWith(99);
        long transfers = db.count("SELECT count(*) FROM transfer");
        assertThrows(
                WalletException.InsufficientFunds.class,
                () -> db.wallets.requestBillPayment(
                        w.id(), new BillPaymentRequest("wifi", "ACC-1", 100), Optional.empty()));
        assertEquals(99, db.balance(w.id()));
        assertEquals(0, db.count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", w.id().toString()));
        assertEquals(0, db.count("SELECT count(*) FROM bill_payment WHERE wallet_id = ?", w.id()));
        assertEquals(transfers, db.count("SELECT count(*) FROM transfer"));
    }

    @Test
    void paymentFromUnknownWalletOrWithBadTraceparentIsRefused() {
        assertThrows(
                WalletException.WalletNotFound.class,
                () -> db.wallets.requestBillPayment(
                        UUID.randomUUID(), new BillPaymentRequest("wifi", "A", 1), Optional.empty()));
        Wallet w = db.walletWith(100);
        assertThrows(
                WalletException.InvalidField.class,
                () -> db.wallets.requestBillPayment(
                        w.id(), new BillPaymentRequest("wifi", "A", 1), Optional.of("00-zz'; DROP TABLE x;--")));
        assertEquals(100, db.balance(w.id()));
    }

    @Test
    void paidOutcomeSettlesOnceAndAppendsSucceeded() throws Exception {
        Wallet w = db.walletWith(1000);
        BillPayment p =
                db.wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "ACC-2", 300), Optional.empty());
        var paid = new PaymentOutcome.Paid("biller-ref-1");
        assertTrue(record(p.id(), paid));
        assertFalse(record(p.id(), paid));
        assertFalse(record(p.id(), new PaymentOutcome.Declined("late decline")));

        BillPayment settled = db.wallets.findPayment(p.id()).orElseThrow();
        assertEquals(BillPayment.Status.SUCCEEDED, settled.status());
        assertEquals(Optional.of("biller-ref-1"), settled.providerReference());
        assertTrue(settled.completedAt().isPresent());
        assertEquals(700, db.balance(w.id()));
        assertEquals(1, db.count("SELECT count(*) FROM transfer WHERE kind = 'SETTLEMENT' AND reference = ?", p.id()));
        assertEquals(0, db.count("SELECT count(*) FROM transfer WHERE kind = 'REFUND' AND reference = ?", p.id()));
        String payload = db.jdbi.withHandle(h -> h.createQuery(
                        "SELECT payload FROM outbox_event WHERE aggregate_id = ? AND event_type = 'BillPaymentSucceeded'")
                .bind(0, w.id().toString())
                .mapTo(String.class)
                .one());
        JsonNode json = JSON.readTree(payload);
        assertEquals(
                List.of("paymentId", "walletId", "amount", "currency", "providerReference"),
                iterable(json.fieldNames()));
        assertEquals("biller-ref-1", json.get("providerReference").asText());
        assertTrue(db.wallets.audit().consistent());
    }

    @Test
    void declinedOutcomeRecordedTwiceRefundsOnce() {
        Wallet w = db.walletWith(1000);
        BillPayment p = db.wallets.requestBillPayment(
                w.id(), new BillPaymentRequest("wifi", "DECLINE-1", 250), Optional.empty());
        assertEquals(750, db.balance(w.id()));
        var declined = new PaymentOutcome.Declined("unknown customer");
        assertTrue(record(p.id(), declined));
        assertFalse(record(p.id(), declined));

        assertEquals(1000, db.balance(w.id()));
        BillPayment failed = db.wallets.findPayment(p.id()).orElseThrow();
        assertEquals(BillPayment.Status.FAILED, failed.status());
        assertEquals(Optional.of("unknown customer"), failed.failureReason());
        assertEquals(1, db.count("SELECT count(*) FROM transfer WHERE kind = 'REFUND' AND reference = ?", p.id()));
        assertEquals(
                1,
                db.count(
                        "SELECT count(*) FROM outbox_event WHERE aggregate_id = ? AND event_type = 'BillPaymentFailed'",
                        w.id().toString()));
        assertTrue(db.wallets.audit().consistent());
    }

    @Test
    void outcomeOfUnknownPaymentOrOutsideATransactionIsRefused() {
        assertThrows(
                WalletException.PaymentNotFound.class,
                () -> db.jdbi.useTransaction(
                        h -> db.wallets.recordOutcome(h, UUID.randomUUID(), new PaymentOutcome.Paid("r"))));
        Wallet w = db.walletWith(10);
        BillPayment p =
                db.wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "A", 10), Optional.empty());
        assertThrows(
                IllegalStateException.class,
                () -> db.jdbi.useHandle(h -> db.wallets.recordOutcome(h, p.id(), new PaymentOutcome.Paid("r"))));
        assertThrows(
                WalletException.InvalidField.class,
                () -> db.jdbi.useTransaction(h -> db.wallets.recordOutcome(h, p.id(), new PaymentOutcome.Paid(" "))));
        assertEquals(
                BillPayment.Status.PENDING,
                db.wallets.findPayment(p.id()).orElseThrow().status());
    }

    @Test
    void outcomeThatRollsBackLeavesThePaymentPendingAndNoEvent() {
        Wallet w = db.walletWith(50);
        BillPayment p =
                db.wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "A", 50), Optional.empty());
        assertThrows(
                IllegalStateException.class,
                () -> db.jdbi.useTransaction(h -> {
                    db.wallets.recordOutcome(h, p.id(), new PaymentOutcome.Declined("no"));
                    throw new IllegalStateException("the caller's transaction fails after the outcome");
                }));
        assertEquals(
                BillPayment.Status.PENDING,
                db.wallets.findPayment(p.id()).orElseThrow().status());
        assertEquals(0, db.balance(w.id()));
        assertEquals(
                0,
                db.count(
                        "SELECT count(*) FROM outbox_event WHERE aggregate_id = ? AND event_type <> 'BillPaymentRequested'",
                        w.id().toString()));
    }

    private static boolean record(UUID paymentId, PaymentOutcome outcome) {
        Boolean changed = db.jdbi.inTransaction(h -> db.wallets.recordOutcome(h, paymentId, outcome));
        return changed;
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        var list = new java.util.ArrayList<String>();
        names.forEachRemaining(list::add);
        return list;
    }
}
