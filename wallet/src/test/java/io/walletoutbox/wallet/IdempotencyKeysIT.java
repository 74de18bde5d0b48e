package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Idempotency-Key semantics against a real PostgreSQL: one execution per key, atomic with the money. */
class IdempotencyKeysIT {
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = new TestDatabase("idempotency_keys_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void twentyConcurrentRequestsWithOneKeyDebitOnceAndTheRestAreInFlightOrIdenticalReplays() throws Exception {
        Wallet w = db.walletWith(1000);
        String scope = "wallet:" + w.id();
        String fingerprint = IdempotencyKeys.fingerprint("bill-payment", "{\"amount\":100}");
        var start = new CountDownLatch(1);
        List<Future<IdempotencyKeys.Result>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 20; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return db.keys.execute(scope, "pay-once", fingerprint, pay(w, 100));
                }));
            }
            start.countDown();
            List<IdempotencyKeys.Result> results = new ArrayList<>();
            for (var f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            List<StoredResponse> executed = results.stream()
                    .filter(r -> r instanceof IdempotencyKeys.Executed)
                    .map(r -> ((IdempotencyKeys.Executed) r).response())
                    .toList();
            assertEquals(1, executed.size(), results.toString());
            for (var r : results) {
                switch (r) {
                    case IdempotencyKeys.Executed e -> assertEquals(executed.getFirst(), e.response());
                    case IdempotencyKeys.Replayed replay -> assertEquals(executed.getFirst(), replay.response());
                    case IdempotencyKeys.InFlight inFlight -> {}
                    case IdempotencyKeys.FingerprintMismatch m -> fail("same body, yet a mismatch");
                }
            }
        }
        assertEquals(900, db.balance(w.id()));
        assertEquals(1, db.count("SELECT count(*) FROM bill_payment WHERE wallet_id = ?", w.id()));
        assertEquals(1, db.count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", w.id().toString()));
    }

    @Test
    void secondRequestWithSameKeyReplaysTheFirstResponseByteForByteWithoutRunning() {
        Wallet w = db.walletWith(1000);
        var first = db.keys.execute("wallet:" + w.id(), "k1", "fp", pay(w, 100));
        var second = db.keys.execute("wallet:" + w.id(), "k1", "fp", pay(w, 100));
        StoredResponse original =
                assertInstanceOf(IdempotencyKeys.Executed.class, first).response();
        StoredResponse replayed =
                assertInstanceOf(IdempotencyKeys.Replayed.class, second).response();
        assertArrayEquals(original.body(), replayed.body());
        assertEquals(202, replayed.status());
        assertEquals("application/json", replayed.contentType());
        assertEquals(900, db.balance(w.id()));
    }

    @Test
    void sameKeyWithAnotherFingerprintIsRefusedAndRunsNothing() {
        Wallet w = db.walletWith(1000);
        db.keys.execute("wallet:" + w.id(), "k2", "fp-100", pay(w, 100));
        var other = db.keys.execute("wallet:" + w.id(), "k2", "fp-200", pay(w, 200));
        assertInstanceOf(IdempotencyKeys.FingerprintMismatch.class, other);
        assertEquals(900, db.balance(w.id()));
    }

    @Test
    void sameKeyWhileTheFirstIsStillRunningIsInFlight() throws Exception {
        Wallet w = db.walletWith(1000);
        String scope = "wallet:" + w.id();
        var inside = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<IdempotencyKeys.Result> first = pool.submit(() -> db.keys.execute(scope, "k3", "fp", h -> {
                StoredResponse response = pay(w, 100).apply(h);
                inside.countDown();
                await(release);
                return response;
            }));
            assertTrue(inside.await(30, TimeUnit.SECONDS), "the first request never started");
            assertInstanceOf(IdempotencyKeys.InFlight.class, db.keys.execute(scope, "k3", "fp", pay(w, 100)));
            release.countDown();
            assertInstanceOf(IdempotencyKeys.Executed.class, first.get(30, TimeUnit.SECONDS));
        }
        assertInstanceOf(IdempotencyKeys.Replayed.class, db.keys.execute(scope, "k3", "fp", pay(w, 100)));
        assertEquals(900, db.balance(w.id()));
    }

    @Test
    void aFailedActionRollsBackItsMoneyAndTheKeySoARetryRuns() {
        Wallet w = db.walletWith(1000);
        String scope = "wallet:" + w.id();
        var boom = assertThrows(
                IllegalStateException.class,
                () -> db.keys.execute(scope, "k4", "fp", h -> {
                    pay(w, 100).apply(h);
                    throw new IllegalStateException("fails after the debit");
                }));
        assertEquals("fails after the debit", boom.getMessage());
        assertEquals(1000, db.balance(w.id()));
        assertEquals(0, db.count("SELECT count(*) FROM idempotency_key WHERE scope = ?", scope));
        assertEquals(0, db.count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", w.id().toString()));
        assertInstanceOf(IdempotencyKeys.Executed.class, db.keys.execute(scope, "k4", "fp", pay(w, 100)));
        assertEquals(900, db.balance(w.id()));
    }

    @Test
    void aRejectedRequestStoresNoKeySoTheSameKeyWorksOnceFundsArrive() {
        Wallet w = db.walletWith(50);
        String scope = "wallet:" + w.id();
        assertThrows(WalletException.InsufficientFunds.class, () -> db.keys.execute(scope, "k5", "fp", pay(w, 100)));
        db.wallets.topUp(w.id(), 50);
        assertInstanceOf(IdempotencyKeys.Executed.class, db.keys.execute(scope, "k5", "fp", pay(w, 100)));
        assertEquals(0, db.balance(w.id()));
    }

    @Test
    void keysAreScopedSoTwoWalletsMayUseTheSameKey() {
        Wallet a = db.walletWith(100);
        Wallet b = db.walletWith(100);
        assertInstanceOf(IdempotencyKeys.Executed.class, db.keys.execute("wallet:" + a.id(), "same", "fp", pay(a, 10)));
        assertInstanceOf(IdempotencyKeys.Executed.class, db.keys.execute("wallet:" + b.id(), "same", "fp", pay(b, 10)));
        assertEquals(90, db.balance(a.id()));
        assertEquals(90, db.balance(b.id()));
    }

    @Test
    void anExpiredKeyIsPurgedAndMayBeUsedAgain() {
        Wallet w = db.walletWith(1000);
        String scope = "wallet:" + w.id();
        db.keys.execute(scope, "old", "fp", pay(w, 100));
        db.keys.execute(scope, "fresh", "fp", pay(w, 100));
        expire(scope, "old");
        assertTrue(db.keys.purgeExpired() >= 1);
        assertEquals(0, db.count("SELECT count(*) FROM idempotency_key WHERE scope = ? AND key = 'old'", scope));
        assertEquals(1, db.count("SELECT count(*) FROM idempotency_key WHERE scope = ? AND key = 'fresh'", scope));
        assertInstanceOf(IdempotencyKeys.Executed.class, db.keys.execute(scope, "old", "fp", pay(w, 100)));
        assertEquals(700, db.balance(w.id()));
    }

    @Test
    void anExpiredKeyNotYetPurgedCountsAsNew() {
        Wallet w = db.walletWith(1000);
        String scope = "wallet:" + w.id();
        db.keys.execute(scope, "stale", "fp-a", pay(w, 100));
        expire(scope, "stale");
        assertInstanceOf(IdempotencyKeys.Executed.class, db.keys.execute(scope, "stale", "fp-b", pay(w, 200)));
        assertEquals(700, db.balance(w.id()));
    }

    @Test
    void theBackgroundPurgerDeletesExpiredKeys() throws Exception {
        Wallet w = db.walletWith(1000);
        String scope = "wallet:" + w.id();
        db.keys.execute(scope, "purge-me", "fp", pay(w, 1));
        expire(scope, "purge-me");
        AutoCloseable purger = db.keys.startPurger(Duration.ofMillis(50));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (db.count("SELECT count(*) FROM idempotency_key WHERE scope = ?", scope) > 0) {
                assertTrue(System.nanoTime() < deadline, "the purger did not delete the expired key within 30 s");
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        } finally {
            purger.close();
        }
    }

    @Test
    void aMissingOrMalformedKeyIsRefusedBeforeAnythingRuns() {
        Wallet w = db.walletWith(100);
        for (String bad : new String[] {null, "", "x".repeat(256), "caf\u00e9", "a\nb"}) {
            assertThrows(
                    WalletException.InvalidIdempotencyKey.class,
                    () -> db.keys.execute("wallet:" + w.id(), bad, "fp", pay(w, 10)));
        }
        assertEquals(100, db.balance(w.id()));
    }

    private static Function<Handle, StoredResponse> pay(Wallet w, long amount) {
        return h -> {
            BillPayment p = db.wallets.requestBillPayment(
                    h, w.id(), new BillPaymentRequest("wifi", "ACC-" + amount, amount), Optional.empty());
            String body = "{\"id\":\"" + p.id() + "\",\"status\":\"" + p.status() + "\",\"amount\":" + p.amount()
                    + ",\"nonce\":\"" + UUID.randomUUID() + "\"}";
            return new StoredResponse(202, "application/json", body.getBytes(StandardCharsets.UTF_8));
        };
    }

    private static void expire(String scope, String key) {
        db.jdbi.useHandle(h -> h.createUpdate(
                        "UPDATE idempotency_key SET expires_at = now() - interval '1 second' WHERE scope = ? AND key = ?")
                .bind(0, scope)
                .bind(1, key)
                .execute());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
