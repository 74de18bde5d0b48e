package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
}
