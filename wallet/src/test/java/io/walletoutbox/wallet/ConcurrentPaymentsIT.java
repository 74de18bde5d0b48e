package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The guarded debit under contention: a wallet never pays out more than it holds. */
class ConcurrentPaymentsIT {
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = new TestDatabase("concurrent_payments_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void fiftyConcurrentPaymentsOfHundredFromThousandExactlyTenSucceed() throws Exception {
        Wallet w = db.walletWith(1000);
        var accepted = new AtomicInteger();
        var refused = new AtomicInteger();
        var start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                String ref = "ACC-" + i;
                futures.add(pool.submit(() -> {
                    start.await();
                    try {
                        db.wallets.requestBillPayment(
                                w.id(), new BillPaymentRequest("wifi", ref, 100), Optional.empty());
                        accepted.incrementAndGet();
                    } catch (WalletException.InsufficientFunds e) {
                        refused.incrementAndGet();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS); // any other exception fails the test
            }
        }
        assertEquals(10, accepted.get());
        assertEquals(40, refused.get());
        assertEquals(0, db.balance(w.id()));
        assertEquals(10, db.count("SELECT count(*) FROM bill_payment WHERE wallet_id = ?", w.id()));
        assertEquals(10, db.count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", w.id().toString()));
        assertEquals(
                10,
                db.count("SELECT count(*) FROM transfer WHERE kind = 'BILL_PAYMENT' AND debit_account = ?", w.id()));
        LedgerAudit audit = db.wallets.audit();
        assertTrue(audit.consistent(), audit.toString());
    }

    /**
     * Top-ups, payments and outcomes of many wallets at once, on 8 threads: the lock order (payment, wallet,
     * clearing, settlement; wallet, funding) must never deadlock, and the ledger must stay balanced.
     */
    @Test
    void aConcurrentMixOfTopUpsPaymentsAndOutcomesNeverDeadlocksAndStaysBalanced() throws Exception {
        List<UUID> wallets = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            wallets.add(db.walletWith(500).id());
        }
        var pending = new ConcurrentLinkedQueue<UUID>();
        List<Future<?>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 8; t++) {
                long seed = t;
                futures.add(pool.submit(() -> {
                    var random = new Random(seed);
                    for (int op = 0; op < 40; op++) {
                        UUID wallet = wallets.get(random.nextInt(wallets.size()));
                        switch (random.nextInt(4)) {
                            case 0 -> db.wallets.topUp(wallet, 1 + random.nextInt(100));
                            case 1 -> {
                                try {
                                    pending.add(db.wallets
                                            .requestBillPayment(
                                                    wallet,
                                                    new BillPaymentRequest("wifi", "A", 1 + random.nextInt(150)),
                                                    Optional.empty())
                                            .id());
                                } catch (WalletException.InsufficientFunds expected) {
                                    // the balance is random here; the audit below checks nothing went wrong
                                }
                            }
                            default -> {
                                UUID payment = pending.poll();
                                if (payment != null) {
                                    PaymentOutcome outcome = random.nextBoolean()
                                            ? new PaymentOutcome.Paid("r")
                                            : new PaymentOutcome.Declined("no");
                                    db.jdbi.useTransaction(h -> db.wallets.recordOutcome(h, payment, outcome));
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS); // a deadlock (SQLSTATE 40P01) would surface here
            }
        }
        LedgerAudit audit = db.wallets.audit();
        assertTrue(audit.consistent(), audit.toString());
        assertEquals(
                pending.size(),
                db.count("SELECT count(*) FROM bill_payment WHERE status = 'PENDING' AND wallet_id = ANY (?)", (Object)
                        wallets.toArray(new UUID[0])));
    }
}
