package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Wallets#requestBillPayment(IdempotencyKeys.Request, UUID, String, BillPaymentRequest, Optional, Function)}:
 * the whole idempotent payment in one round trip, with the answers and writes of the key store around the
 * caller's-transaction path (both make the payment with the one server-side function, {@code wallet_bill_payment}).
 */
class OneRoundTripPaymentIT {
    private static final BillPaymentRequest WIFI = new BillPaymentRequest("wifi", "ACC-1001", 100);
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = new TestDatabase("one_round_trip_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private static Function<BillPayment, StoredResponse> response() {
        return p -> new StoredResponse(
                202,
                "application/json",
                ("{\"id\":\"" + p.id() + "\",\"customerRef\":\"" + p.customerRef() + "\",\"currency\":\"" + p.currency()
                                + "\",\"amount\":" + p.amount() + "}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    private static IdempotencyKeys.Request key(Wallet w, String key, String body) {
        return new IdempotencyKeys.Request("scope/" + w.id(), key, IdempotencyKeys.fingerprint("pay", body));
    }

    @Test
    void paymentIsMadeAndItsResponseStoredAndReplayedByteForByte() {
        Wallet w = db.walletWith(1000);
        var first = db.wallets.requestBillPayment(
                key(w, "k1", "a"), w.id(), w.ownerId(), WIFI, Optional.empty(), response());
        StoredResponse made =
                assertInstanceOf(IdempotencyKeys.Executed.class, first).response();
        String body = new String(made.body(), StandardCharsets.UTF_8);
        assertTrue(body.contains("\"currency\":\"USD\""), body);
        assertEquals(900, db.balance(w.id()));
        assertEquals(1, db.count("SELECT count(*) FROM bill_payment WHERE wallet_id = ? AND currency = 'USD'", w.id()));
        assertEquals(
                1,
                db.count(
                        "SELECT count(*) FROM transfer t JOIN bill_payment p ON t.reference = p.id"
                                + " WHERE p.wallet_id = ? AND t.kind = 'BILL_PAYMENT' AND t.credit_account = p.clearing_account",
                        w.id()));
        assertEquals(
                1,
                db.count(
                        "SELECT count(*) FROM outbox_event WHERE aggregate_id = ? AND event_type = ? AND topic = ?"
                                + " AND payload LIKE '%\"currency\":\"USD\"%'",
                        w.id().toString(), WalletEvents.BILL_PAYMENT_REQUESTED, db.config.eventsTopic()));
        var again = db.wallets.requestBillPayment(
                key(w, "k1", "a"), w.id(), w.ownerId(), WIFI, Optional.empty(), response());
        assertArrayEquals(
                made.body(),
                assertInstanceOf(IdempotencyKeys.Replayed.class, again)
                        .response()
                        .body());
        assertInstanceOf(
                IdempotencyKeys.FingerprintMismatch.class,
                db.wallets.requestBillPayment(
                        key(w, "k1", "b"), w.id(), w.ownerId(), WIFI, Optional.empty(), response()));
        assertEquals(900, db.balance(w.id()));
        // The stored row holds what the first answer sent.
        assertArrayEquals(
                made.body(),
                db.jdbi.withHandle(
                        h -> h.createQuery("SELECT response_body FROM idempotency_key WHERE scope = :s AND key = 'k1'")
                                .bind("s", "scope/" + w.id())
                                .mapTo(byte[].class)
                                .one()));
    }

    @Test
    void refusalsWriteNothing() {
        Wallet w = db.walletWith(50);
        Wallet other = db.walletWith(1000);
        String before = db.everyRow();
        assertThrows(
                WalletException.InsufficientFunds.class,
                () -> db.wallets.requestBillPayment(
                        key(w, "r1", "a"), w.id(), w.ownerId(), WIFI, Optional.empty(), response()));
        // another owner's wallet answers exactly as a missing one
        assertThrows(
                WalletException.WalletNotFound.class,
                () -> db.wallets.requestBillPayment(
                        key(other, "r2", "a"), other.id(), w.ownerId(), WIFI, Optional.empty(), response()));
        assertThrows(
                WalletException.WalletNotFound.class,
                () -> db.wallets.requestBillPayment(
                        key(w, "r3", "a"), UUID.randomUUID(), w.ownerId(), WIFI, Optional.empty(), response()));
        assertEquals(before, db.everyRow());
    }

    @Test
    void dailyLimitRefusesThePaymentThatWouldPassIt() {
        var config = db.config.withDailyPaymentLimit(150);
        Wallets limited = Wallets.create(db.jdbi, db.outbox, config);
        Wallet w = db.walletWith(1000);
        assertInstanceOf(
                IdempotencyKeys.Executed.class,
                limited.requestBillPayment(key(w, "d1", "a"), w.id(), w.ownerId(), WIFI, Optional.empty(), response()));
        var refused = assertThrows(
                WalletException.DailyLimitExceeded.class,
                () -> limited.requestBillPayment(
                        key(w, "d2", "a"), w.id(), w.ownerId(), WIFI, Optional.empty(), response()));
        assertTrue(refused.getMessage().contains("150"), refused.getMessage());
        assertEquals(900, db.balance(w.id()));
    }

    @Test
    void aKeyHeldByARunningRequestAnswersInFlight() throws Exception {
        Wallet w = db.walletWith(1000);
        var k = key(w, "busy", "a");
        // Another session (not a Jdbi handle: Jdbi would lend this thread's handle to the call) holds the key.
        try (Connection other = db.dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (var lock = other.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
                lock.setInt(1, 0x574c494b); // PostgresIdempotencyKeys.LOCK_CLASS
                lock.setInt(2, lockObject(k.scope(), k.key()));
                lock.execute();
            }
            assertInstanceOf(
                    IdempotencyKeys.InFlight.class,
                    db.wallets.requestBillPayment(k, w.id(), w.ownerId(), WIFI, Optional.empty(), response()));
            other.rollback();
        }
        assertEquals(1000, db.balance(w.id()));
    }

    @Test
    void logicalMessageModeWritesNoOutboxRowAndAClosedGateStillAnswersReplays() {
        Wallet w = db.walletWith(1000);
        var messages = new AtomicInteger();
        Wallets cdc = Wallets.create(
                db.jdbi,
                OutboxWriter.create(OutboxConfig.DEFAULTS, OutboxMode.LOGICAL_MESSAGE, messages::incrementAndGet),
                db.config);
        assertInstanceOf(
                IdempotencyKeys.Executed.class,
                cdc.requestBillPayment(key(w, "m1", "a"), w.id(), w.ownerId(), WIFI, Optional.empty(), response()));
        assertEquals(1, messages.get(), "the writer's after-commit listener ran");
        assertEquals(0, db.count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", w.id().toString()));
        assertEquals(900, db.balance(w.id()));

        Wallets refusing = Wallets.create(
                db.jdbi,
                OutboxWriter.create(
                        OutboxConfig.DEFAULTS, OutboxMode.LOGICAL_MESSAGE, () -> {}, () -> Optional.of("slot gone")),
                db.config);
        // a replay still answers; a new payment is refused
        assertInstanceOf(
                IdempotencyKeys.Replayed.class,
                refusing.requestBillPayment(
                        key(w, "m1", "a"), w.id(), w.ownerId(), WIFI, Optional.empty(), response()));
        assertThrows(
                OutboxException.WritesRefusedException.class,
                () -> refusing.requestBillPayment(
                        key(w, "m2", "a"), w.id(), w.ownerId(), WIFI, Optional.empty(), response()));
        assertEquals(900, db.balance(w.id()));
    }

    @Test
    void oneRoundTripAgainstSixWithTheKeyStoreAroundTheCallersTransaction() {
        Wallet w = db.walletWith(1000);
        var counter = new AtomicInteger();
        Jdbi counted = Jdbi.create(CountingDataSource.counting(db.dataSource, counter));
        var outbox = OutboxWriter.create(OutboxConfig.DEFAULTS, () -> {});
        Wallets wallets = Wallets.create(counted, outbox, db.config);
        IdempotencyKeys keys = IdempotencyKeys.create(counted, db.config);
        Function<String, IdempotencyKeys.Result> before = k -> keys.execute("scope/" + w.id(), k, "f", h -> {
            BillPayment p = wallets.requestBillPayment(h, w.id(), w.ownerId(), WIFI, Optional.empty());
            return response().apply(p);
        });
        before.apply("warm-up");
        counter.set(0);
        assertInstanceOf(IdempotencyKeys.Executed.class, before.apply("old"));
        int keyStoreAround = counter.get();
        counter.set(0);
        assertInstanceOf(
                IdempotencyKeys.Executed.class,
                wallets.requestBillPayment(
                        key(w, "new", "a"), w.id(), w.ownerId(), WIFI, Optional.empty(), response()));
        int oneCall = counter.get();
        System.out.printf(
                "round trips per payment: the key store around the caller's transaction %d, one call %d%n",
                keyStoreAround, oneCall);
        assertEquals(1, oneCall);
        assertEquals(6, keyStoreAround);
        assertEquals(700, db.balance(w.id()));
    }

    /** PostgresIdempotencyKeys.lockObject: the first 4 bytes of SHA-256 over scope, NUL, key. */
    private static int lockObject(String scope, String key) throws Exception {
        var sha = java.security.MessageDigest.getInstance("SHA-256");
        sha.update(scope.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(key.getBytes(StandardCharsets.UTF_8));
        return java.nio.ByteBuffer.wrap(sha.digest()).getInt();
    }
}
