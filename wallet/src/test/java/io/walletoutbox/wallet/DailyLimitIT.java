package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.wallet.internal.PostgresWallets;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-wallet daily bill-payment limit against a real PostgreSQL: exact at the edge, race-free under concurrent
 * payments, freed by a declined payment, reset at the UTC day boundary, and a refusal writes nothing.
 */
class DailyLimitIT {
    private static final long LIMIT = 1000;
    private static final Instant NOON = Instant.parse("2031-05-17T12:00:00Z");
    private static TestDatabase db;
    private static MutableClock clock;
    private static Wallets wallets;

    @BeforeAll
    static void start() {
        db = new TestDatabase("daily_limit_it");
        clock = new MutableClock(NOON);
        wallets = new PostgresWallets(db.jdbi, db.outbox, db.config.withDailyPaymentLimit(LIMIT), clock);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void noon() {
        clock.set(NOON);
    }

    @AfterEach
    void countersMatchThePayments() {
        // The counter is derived data: it must equal what the payments say, for every wallet and day it counts.
        assertEquals(0, db.count("""
                        SELECT count(*) FROM account a
                        WHERE a.kind = 'WALLET' AND a.spend_day IS NOT NULL AND a.spend_amount <> (
                            SELECT coalesce(sum(p.amount), 0) FROM bill_payment p
                            WHERE p.wallet_id = a.id AND p.status IN ('PENDING', 'SUCCEEDED')
                              AND (p.created_at AT TIME ZONE 'UTC')::date = a.spend_day)
                        """));
        LedgerAudit audit = wallets.audit();
        assertTrue(audit.consistent(), audit.toString());
    }

    @Test
    void reachingTheLimitExactlyIsAllowedAndOneMinorUnitMoreIsRefusedWritingNothing() {
        Wallet w = db.walletWith(5000);
        pay(w, 400);
        pay(w, 600); // 1000 of 1000
        String before = db.everyRow();
        var refused = assertThrows(WalletException.DailyLimitExceeded.class, () -> pay(w, 1));
        assertEquals(before, db.everyRow());
        assertEquals(w.id(), refused.walletId());
        assertEquals(LIMIT, refused.limit());
        assertEquals(LIMIT, refused.usedToday());
        assertEquals(1, refused.requested());
        assertEquals(0, refused.remaining());
        assertEquals(4000, db.balance(w.id()));
    }

    @Test
    void aSinglePaymentAboveTheLimitIsRefusedOnAFreshWallet() {
        Wallet w = db.walletWith(5000);
        String before = db.everyRow();
        var refused = assertThrows(WalletException.DailyLimitExceeded.class, () -> pay(w, LIMIT + 1));
        assertEquals(0, refused.usedToday());
        assertEquals(before, db.everyRow());
        assertEquals(LIMIT, pay(w, LIMIT).amount());
    }

    @Test
    void aRefusalInsideAnIdempotentRequestStoresNoKeyAndWritesNothing() {
        Wallet w = db.walletWith(5000);
        pay(w, 999);
        String before = db.everyRow();
        assertThrows(
                WalletException.DailyLimitExceeded.class,
                () -> db.keys.execute("wallet:" + w.id(), "key-1", "fp", h -> {
                    BillPayment p = wallets.requestBillPayment(
                            h, w.id(), new BillPaymentRequest("wifi", "A", 2), Optional.empty());
                    return new StoredResponse(
                            202, "text/plain", p.id().toString().getBytes(StandardCharsets.UTF_8));
                }));
        assertEquals(before, db.everyRow());
        // the same key with an amount that fits then runs for the first time
        assertInstanceOf(IdempotencyKeys.Executed.class, db.keys.execute("wallet:" + w.id(), "key-1", "fp", h -> {
            wallets.requestBillPayment(h, w.id(), new BillPaymentRequest("wifi", "A", 1), Optional.empty());
            return new StoredResponse(202, "text/plain", new byte[0]);
        }));
    }

    @Test
    void insufficientFundsIsReportedWhenTheBalanceIsShortToo() {
        Wallet w = db.walletWith(1000);
        pay(w, 950);
        assertThrows(WalletException.InsufficientFunds.class, () -> pay(w, 100)); // balance 50, headroom 50
        db.wallets.topUp(w.id(), 1000);
        assertThrows(WalletException.DailyLimitExceeded.class, () -> pay(w, 51)); // balance 1050, headroom 50
        assertEquals(50, pay(w, 50).amount());
    }

    @Test
    void theLimitIsPerWallet() {
        Wallet a = db.walletWith(5000);
        Wallet b = db.walletWith(5000);
        pay(a, LIMIT);
        assertEquals(LIMIT, pay(b, LIMIT).amount());
        assertThrows(WalletException.DailyLimitExceeded.class, () -> pay(a, 1));
    }

    /** 20 payments of 150 at once against a limit of 1000: exactly 6 fit, whatever the interleaving. */
    @Test
    void concurrentPaymentsPayExactlyWhatFitsTheLimit() throws Exception {
        Wallet w = db.walletWith(100_000);
        List<Outcome> outcomes = payConcurrently(w, java.util.Collections.nCopies(20, 150L));
        assertEquals(6, outcomes.stream().filter(Outcome::accepted).count());
        assertEquals(14, outcomes.stream().filter(o -> !o.accepted()).count());
        assertEquals(900, paidToday(w.id()));
        assertEquals(100_000 - 900, db.balance(w.id()));
        assertEquals(6, db.count("SELECT count(*) FROM bill_payment WHERE wallet_id = ?", w.id()));
        assertEquals(6, db.count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", w.id().toString()));
    }

    /**
     * Payments of different amounts at once: the sum never passes the limit, and every refused payment was refused
     * rightly (with no refunds meanwhile, what was used only grew, so each refused amount still does not fit).
     */
    @Test
    void concurrentPaymentsOfDifferentAmountsNeverPassTheLimitAndRefuseOnlyWhatDoesNotFit() throws Exception {
        Wallet w = db.walletWith(100_000);
        List<Long> amounts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            amounts.add(37L + 41L * i); // 37 .. 816
        }
        List<Outcome> outcomes = payConcurrently(w, amounts);
        long paid = outcomes.stream()
                .filter(Outcome::accepted)
                .mapToLong(Outcome::amount)
                .sum();
        assertTrue(paid <= LIMIT, "paid " + paid);
        assertEquals(paid, paidToday(w.id()));
        assertTrue(outcomes.stream().anyMatch(o -> !o.accepted()));
        for (Outcome o : outcomes) {
            if (!o.accepted()) {
                assertTrue(paid + o.amount() > LIMIT, "refused " + o.amount() + " though " + paid + " was paid");
            }
        }
    }

    @Test
    void aDeclinedPaymentFreesItsAmountAndASucceededOneDoesNot() {
        Wallet w = db.walletWith(5000);
        BillPayment declined = pay(w, 700);
        BillPayment succeeded = pay(w, 300);
        assertThrows(WalletException.DailyLimitExceeded.class, () -> pay(w, 1));
        record(succeeded.id(), new PaymentOutcome.Paid("ref-1"));
        assertThrows(WalletException.DailyLimitExceeded.class, () -> pay(w, 1));
        record(declined.id(), new PaymentOutcome.Declined("unknown customer"));
        assertEquals(300, paidToday(w.id()));
        assertEquals(700, pay(w, 700).amount());
        assertThrows(WalletException.DailyLimitExceeded.class, () -> pay(w, 1));
    }

    /** Yesterday's payments do not count today, and refunding one of them does not give today extra room. */
    @Test
    void theLimitStartsAfreshEachUtcDayAndYesterdaysRefundLeavesTodayAlone() {
        Wallet w = db.walletWith(5000);
        clock.set(Instant.parse("2031-05-17T23:59:59.999999Z"));
        BillPayment lateYesterday = pay(w, LIMIT);
        assertThrows(WalletException.DailyLimitExceeded.class, () -> pay(w, 1));

        clock.set(Instant.parse("2031-05-18T00:00:00Z"));
        pay(w, 400);
        record(lateYesterday.id(), new PaymentOutcome.Declined("expired account"));
        assertEquals(400, paidToday(w.id()));
        var refused = assertThrows(WalletException.DailyLimitExceeded.class, () -> pay(w, 601));
        assertEquals(400, refused.usedToday());
        pay(w, 600);
        assertEquals(5000 - 1000, db.balance(w.id()));
    }

    /** An instance whose clock lags behind midnight cannot reopen yesterday's room once the counter moved on. */
    @Test
    void aLaggingClockCountsAgainstTheNewerDayAndNeverTurnsTheCounterBack() {
        Wallet w = db.walletWith(5000);
        clock.set(Instant.parse("2031-05-18T00:00:01Z"));
        pay(w, LIMIT);
        clock.set(Instant.parse("2031-05-17T23:59:59Z")); // another instance, a little behind
        var refused = assertThrows(WalletException.DailyLimitExceeded.class, () -> pay(w, 1));
        assertEquals(LIMIT, refused.usedToday());
    }

    /** A counter row left by an earlier day (adjusted directly, as after a quiet night) counts as nothing today. */
    @Test
    void aCounterOfAnEarlierDayCountsAsNothing() {
        Wallet w = db.walletWith(5000);
        pay(w, LIMIT);
        db.jdbi.useHandle(h -> h.execute("UPDATE account SET spend_day = spend_day - 1 WHERE id = ?", w.id()));
        // that payment is still stamped today; move it to yesterday too, so the counters-match check holds
        db.jdbi.useHandle(h -> {
            h.execute("ALTER TABLE bill_payment DISABLE TRIGGER bill_payment_guard");
            h.execute("UPDATE bill_payment SET created_at = created_at - interval '1 day' WHERE wallet_id = ?", w.id());
            h.execute("ALTER TABLE bill_payment ENABLE TRIGGER bill_payment_guard");
        });
        assertEquals(0, paidToday(w.id()));
        assertEquals(LIMIT, pay(w, LIMIT).amount());
        assertEquals(
                LocalDate.ofInstant(NOON, ZoneOffset.UTC),
                db.jdbi.withHandle(h -> h.createQuery("SELECT spend_day FROM account WHERE id = ?")
                        .bind(0, w.id())
                        .mapTo(LocalDate.class)
                        .one()));
    }

    @Test
    void theDatabaseRefusesANegativeOrUnboundedCounterAndCountersOnSystemAccounts() {
        Wallet w = db.walletWith(5000);
        pay(w, 10);
        assertRefused("UPDATE account SET spend_amount = -1 WHERE id = '" + w.id() + "'");
        assertRefused("UPDATE account SET spend_amount = 1000000000000001 WHERE id = '" + w.id() + "'");
        assertRefused("UPDATE account SET spend_day = NULL WHERE id = '" + w.id() + "'");
        assertRefused("UPDATE account SET spend_day = current_date, spend_amount = 1 WHERE kind <> 'WALLET'");
        assertEquals(10, paidToday(w.id()));
    }

    private static BillPayment pay(Wallet w, long amount) {
        return wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "ACC-1", amount), Optional.empty());
    }

    private static void record(UUID paymentId, PaymentOutcome outcome) {
        Boolean changed = db.jdbi.inTransaction(h -> wallets.recordOutcome(h, paymentId, outcome));
        assertTrue(changed);
    }

    /** The wallet's pending and succeeded payments of the clock's UTC day, from the payments themselves. */
    private static long paidToday(UUID walletId) {
        return db.count("""
                SELECT coalesce(sum(amount), 0) FROM bill_payment
                WHERE wallet_id = ? AND status IN ('PENDING', 'SUCCEEDED')
                  AND (created_at AT TIME ZONE 'UTC')::date = ?
                """, walletId, LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC));
    }

    private record Outcome(long amount, boolean accepted) {}

    private static List<Outcome> payConcurrently(Wallet w, List<Long> amounts) throws Exception {
        var outcomes = new ConcurrentLinkedQueue<Outcome>();
        var start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(amounts.size())) {
            for (long amount : amounts) {
                futures.add(pool.submit(() -> {
                    start.await();
                    try {
                        pay(w, amount);
                        outcomes.add(new Outcome(amount, true));
                    } catch (WalletException.DailyLimitExceeded e) {
                        assertEquals(amount, e.requested());
                        assertTrue(e.usedToday() + amount > LIMIT, e.getMessage());
                        outcomes.add(new Outcome(amount, false));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS); // any other exception fails the test
            }
        }
        assertEquals(amounts.size(), outcomes.size());
        return List.copyOf(outcomes);
    }

    private static void assertRefused(String sql) {
        assertThrows(
                org.jdbi.v3.core.statement.UnableToExecuteStatementException.class,
                () -> db.jdbi.useHandle(h -> h.execute(sql)),
                sql);
    }
}
