package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.Inbox;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Wallets#recordOutcome(InboxEntry, UUID, UUID, PaymentOutcome)}: a biller's outcome with the consumer's inbox
 * entry in one round trip, writing what the caller's-transaction path ({@link Wallets#recordOutcome(Handle, UUID,
 * PaymentOutcome)} after the inbox entry) writes: both call the one server-side function, {@code
 * wallet_record_outcome}.
 */
class OneRoundTripOutcomeIT {
    private static final BillPaymentRequest WIFI = new BillPaymentRequest("wifi", "ACC-1001", 100);
    private static final String CONSUMER = "bill-payments-test";
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = new TestDatabase("one_round_trip_outcome_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private static BillPayment pay(Wallet w) {
        return db.wallets.requestBillPayment(w.id(), WIFI, Optional.empty());
    }

    private static InboxEntry entry() {
        return new InboxEntry(CONSUMER, UUID.randomUUID());
    }

    /** The inbox entry and the caller's-transaction outcome, in one transaction (as the provider's default does). */
    private static OutcomeRecorded old(Jdbi jdbi, Wallets wallets, InboxEntry e, UUID payment, PaymentOutcome o) {
        return jdbi.inTransaction(h -> {
            if (!Inbox.create().markProcessed(h.getConnection(), e.consumer(), e.eventId())) {
                return OutcomeRecorded.DUPLICATE;
            }
            return wallets.recordOutcome(h, payment, o) ? OutcomeRecorded.RECORDED : OutcomeRecorded.UNCHANGED;
        });
    }

    /** Every row a payment's outcome writes or changes, with its own ids and times replaced by placeholders. */
    private static List<String> writes(BillPayment p, InboxEntry e) {
        return db.jdbi.withHandle(h -> {
            Map<String, String> ids =
                    Map.of(p.id().toString(), "<payment>", p.walletId().toString(), "<wallet>");
            var rows = new java.util.ArrayList<String>();
            rows.add(one(
                    h,
                    "SELECT status || '|' || coalesce(provider_reference, '-') || '|'"
                            + " || coalesce(failure_reason, '-') || '|' || (completed_at IS NOT NULL)"
                            + " FROM bill_payment WHERE id = ?",
                    p.id()));
            rows.addAll(h.createQuery("SELECT t.kind || '|' || da.kind || '|' || ca.kind || '|' || t.amount || '|'"
                            + " || t.currency || '|' || (t.debit_account = p.clearing_account)"
                            + " || '|' || (t.created_at = p.completed_at)"
                            + " FROM transfer t JOIN account da ON da.id = t.debit_account"
                            + " JOIN account ca ON ca.id = t.credit_account JOIN bill_payment p ON p.id = t.reference"
                            + " WHERE t.reference = ? AND t.kind <> 'BILL_PAYMENT'")
                    .bind(0, p.id())
                    .mapTo(String.class)
                    .list());
            rows.addAll(h.createQuery("SELECT o.event_type || '|' || o.topic || '|' || o.aggregate_type || '|'"
                            + " || o.aggregate_id || '|' || o.shard || '|' || o.payload || '|' || o.headers::text"
                            + " || '|' || (o.created_at = p.completed_at)"
                            + " FROM outbox_event o JOIN bill_payment p ON p.id = ?"
                            + " WHERE o.aggregate_id = ? AND o.event_type <> ?")
                    .bind(0, p.id())
                    .bind(1, p.walletId().toString())
                    .bind(2, WalletEvents.BILL_PAYMENT_REQUESTED)
                    .mapTo(String.class)
                    .list());
            rows.add("inbox="
                    + one(
                            h,
                            "SELECT count(*)::text FROM inbox WHERE consumer = ? AND event_id = ?",
                            CONSUMER,
                            e.eventId()));
            rows.add(one(h, "SELECT balance || '|' || spend_amount FROM account WHERE id = ?", p.walletId()));
            return rows.stream()
                    .map(r -> {
                        String out = r;
                        for (var id : ids.entrySet()) {
                            out = out.replace(id.getKey(), id.getValue());
                        }
                        return out;
                    })
                    .toList();
        });
    }

    private static String one(Handle h, String sql, Object... args) {
        var q = h.createQuery(sql);
        for (int i = 0; i < args.length; i++) {
            q.bind(i, args[i]);
        }
        return q.mapTo(String.class).one();
    }

    @Test
    void bothOutcomesWriteWhatTheCallersTransactionPathWrites() {
        for (PaymentOutcome outcome :
                List.of(new PaymentOutcome.Paid("ref \"7\" ü\\"), new PaymentOutcome.Declined("closed: \"no\"\n"))) {
            Wallet a = db.walletWith(1000);
            Wallet b = db.walletWith(1000);
            BillPayment before = pay(a);
            BillPayment after = pay(b);
            InboxEntry e1 = entry();
            InboxEntry e2 = entry();
            assertEquals(OutcomeRecorded.RECORDED, old(db.jdbi, db.wallets, e1, before.id(), outcome));
            assertEquals(OutcomeRecorded.RECORDED, db.wallets.recordOutcome(e2, after.id(), b.id(), outcome));
            List<String> expected = writes(before, e1);
            List<String> actual = writes(after, e2);
            // the shard differs with the wallet id; everything else is equal
            assertEquals(
                    expected.stream()
                            .map(r -> r.replaceAll("\\|\\d+\\|\\{", "|S|{"))
                            .toList(),
                    actual.stream()
                            .map(r -> r.replaceAll("\\|\\d+\\|\\{", "|S|{"))
                            .toList());
            assertEquals(
                    OutboxConfig.DEFAULTS.shardOf(b.id().toString()),
                    db.count(
                            "SELECT shard FROM outbox_event WHERE aggregate_id = ? AND event_type <> ?",
                            b.id().toString(),
                            WalletEvents.BILL_PAYMENT_REQUESTED));
        }
        assertTrue(db.wallets.audit().consistent(), db.wallets.audit().toString());
    }

    @Test
    void aDuplicateDeliveryWritesNothingAndATerminalPaymentOnlyItsInboxEntry() {
        Wallet w = db.walletWith(1000);
        BillPayment p = pay(w);
        InboxEntry e = entry();
        assertEquals(
                OutcomeRecorded.RECORDED, db.wallets.recordOutcome(e, p.id(), w.id(), new PaymentOutcome.Paid("r1")));
        String settled = db.everyRow();
        assertEquals(
                OutcomeRecorded.DUPLICATE,
                db.wallets.recordOutcome(e, p.id(), w.id(), new PaymentOutcome.Declined("late")));
        assertEquals(settled, db.everyRow());
        InboxEntry other = entry();
        assertEquals(
                OutcomeRecorded.UNCHANGED,
                db.wallets.recordOutcome(other, p.id(), w.id(), new PaymentOutcome.Declined("late")));
        assertEquals(1, db.count("SELECT count(*) FROM inbox WHERE event_id = ?", other.eventId()));
        assertEquals(900, db.balance(w.id()));
        assertEquals(1, db.count("SELECT count(*) FROM transfer WHERE reference = ? AND kind = 'SETTLEMENT'", p.id()));
        assertEquals(0, db.count("SELECT count(*) FROM transfer WHERE reference = ? AND kind = 'REFUND'", p.id()));
    }

    @Test
    void anUnknownPaymentWritesNothingNotEvenTheInboxEntry() {
        Wallet w = db.walletWith(1000);
        InboxEntry e = entry();
        String before = db.everyRow();
        assertThrows(
                WalletException.PaymentNotFound.class,
                () -> db.wallets.recordOutcome(e, UUID.randomUUID(), w.id(), new PaymentOutcome.Paid("r")));
        assertThrows(
                WalletException.InvalidField.class,
                () -> db.wallets.recordOutcome(e, pay(w).id(), w.id(), new PaymentOutcome.Paid(" ")));
        assertEquals(0, db.count("SELECT count(*) FROM inbox WHERE event_id = ?", e.eventId()));
        assertEquals(1, db.count("SELECT count(*) FROM bill_payment WHERE wallet_id = ?", w.id()));
        assertEquals(
                before.lines().filter(l -> l.startsWith("inbox=")).toList(),
                db.everyRow().lines().filter(l -> l.startsWith("inbox=")).toList());
    }

    @Test
    void aWalletOtherThanThePaymentsIsRecordedWithThePaymentsOwn() {
        Wallet w = db.walletWith(1000);
        BillPayment p = pay(w);
        InboxEntry e = entry();
        assertEquals(
                OutcomeRecorded.RECORDED,
                db.wallets.recordOutcome(e, p.id(), UUID.randomUUID(), new PaymentOutcome.Declined("no")));
        assertEquals(1000, db.balance(w.id()));
        assertEquals(
                1,
                db.count(
                        "SELECT count(*) FROM outbox_event WHERE aggregate_id = ? AND event_type = ? AND shard = ?",
                        w.id().toString(),
                        WalletEvents.BILL_PAYMENT_FAILED,
                        OutboxConfig.DEFAULTS.shardOf(w.id().toString())));
        assertEquals(1, db.count("SELECT count(*) FROM inbox WHERE event_id = ?", e.eventId()));
    }

    @Test
    void logicalMessageModeWritesNoOutboxRowAndTellsTheWriterAfterCommit() {
        var messages = new AtomicInteger();
        Wallets cdc = Wallets.create(
                db.jdbi,
                OutboxWriter.create(OutboxConfig.DEFAULTS, OutboxMode.LOGICAL_MESSAGE, messages::incrementAndGet),
                db.config);
        Wallet w = db.walletWith(1000);
        BillPayment p = pay(w);
        assertEquals(
                OutcomeRecorded.RECORDED, cdc.recordOutcome(entry(), p.id(), w.id(), new PaymentOutcome.Paid("r")));
        assertEquals(1, messages.get(), "the writer's after-commit listener ran");
        assertEquals(
                0,
                db.count(
                        "SELECT count(*) FROM outbox_event WHERE aggregate_id = ? AND event_type = ?",
                        w.id().toString(),
                        WalletEvents.BILL_PAYMENT_SUCCEEDED));
        assertEquals(1, db.count("SELECT count(*) FROM bill_payment WHERE id = ? AND status = 'SUCCEEDED'", p.id()));
        // a duplicate tells nobody
        assertEquals(
                OutcomeRecorded.UNCHANGED, cdc.recordOutcome(entry(), p.id(), w.id(), new PaymentOutcome.Paid("r")));
        assertEquals(1, messages.get());
    }

    @Test
    void oneRoundTripAgainstFourInTheCallersTransaction() {
        var counter = new AtomicInteger();
        Jdbi counted = Jdbi.create(CountingDataSource.counting(db.dataSource, counter));
        Wallets wallets = Wallets.create(counted, OutboxWriter.create(OutboxConfig.DEFAULTS, () -> {}), db.config);
        Wallet w = db.walletWith(1000);
        // warm-up: the settlement account exists from now on
        old(counted, wallets, entry(), pay(w).id(), new PaymentOutcome.Paid("warm"));
        var rows = new StringBuilder();
        for (PaymentOutcome outcome : List.of(new PaymentOutcome.Paid("r"), new PaymentOutcome.Declined("no"))) {
            BillPayment a = pay(w);
            BillPayment b = pay(w);
            counter.set(0);
            assertEquals(OutcomeRecorded.RECORDED, old(counted, wallets, entry(), a.id(), outcome));
            int callersTransaction = counter.get();
            counter.set(0);
            assertEquals(OutcomeRecorded.RECORDED, wallets.recordOutcome(entry(), b.id(), w.id(), outcome));
            int oneCall = counter.get();
            rows.append(outcome.getClass().getSimpleName())
                    .append(": in the caller's transaction ")
                    .append(callersTransaction)
                    .append(", one call ")
                    .append(oneCall)
                    .append("; ");
            assertEquals(1, oneCall);
            assertEquals(4, callersTransaction, rows.toString());
        }
        System.out.println("round trips per outcome: " + rows);
    }
}
