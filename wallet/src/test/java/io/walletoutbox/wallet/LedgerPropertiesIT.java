package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * A property-based test of the ledger: random sequences of top-ups, payments (some over the balance, some through
 * an idempotency key sent twice), successes, declines and redelivered outcomes over several wallets, checked after
 * EVERY step against a model and against the invariants: all debits equal all credits (the balances sum to zero),
 * each balance equals the sum of its entries, no wallet is negative, clearing holds exactly the pending payments.
 *
 * <p>Each run is reproducible from its seed, printed on failure with the steps so far. Default seeds: 1..{@value
 * #RUNS}; {@code -Dwallet.seed=N} runs seed N alone. This plays the role of a jqwik property (random generation,
 * many cases, a reproducible counterexample) without shrinking.
 */
class LedgerPropertiesIT {
    private static final int RUNS = 12;
    private static final int STEPS = 40;
    private static final int WALLETS = 4;
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = new TestDatabase("ledger_properties_it");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @TestFactory
    Stream<DynamicTest> invariantsHoldAfterEveryStepOfRandomSequences() {
        String only = System.getProperty("wallet.seed");
        LongStream seeds = only != null ? LongStream.of(Long.parseLong(only)) : LongStream.rangeClosed(1, RUNS);
        return seeds.mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> run(seed)));
    }

    private void run(long seed) {
        var random = new Random(seed);
        var model = new Model();
        for (int i = 0; i < WALLETS; i++) {
            model.wallets.add(db.wallets.create("prop-" + seed + "-" + i, "USD").id());
            model.balances.add(0L);
        }
        List<String> history = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            String action = step(random, model);
            history.add(action);
            try {
                check(model);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", after steps " + history + ": " + e.getMessage(), e);
            }
        }
    }

    private String step(Random random, Model m) {
        int w = random.nextInt(WALLETS);
        UUID wallet = m.wallets.get(w);
        int choice = random.nextInt(100);
        if (choice < 25) {
            long amount = 1 + random.nextInt(1000);
            db.wallets.topUp(wallet, amount);
            m.balances.set(w, m.balances.get(w) + amount);
            return "topUp(" + w + "," + amount + ")";
        }
        if (choice < 55) {
            long amount = 1 + random.nextInt(1200);
            if (amount > m.balances.get(w)) {
                assertThrows(
                        WalletException.InsufficientFunds.class,
                        () -> db.wallets.requestBillPayment(
                                wallet, new BillPaymentRequest("wifi", "A", amount), Optional.empty()));
                return "payRefused(" + w + "," + amount + ")";
            }
            BillPayment p = db.wallets.requestBillPayment(
                    wallet, new BillPaymentRequest("wifi", "A", amount), Optional.empty());
            m.balances.set(w, m.balances.get(w) - amount);
            m.pending.add(new Pending(p.id(), w, amount));
            return "pay(" + w + "," + amount + ")";
        }
        if (choice < 65 && m.balances.get(w) > 0) {
            long amount = 1 + random.nextLong(m.balances.get(w));
            String key = UUID.randomUUID().toString();
            var first = db.keys.execute("wallet:" + wallet, key, "fp", h -> payResponse(h, wallet, amount));
            var again = db.keys.execute("wallet:" + wallet, key, "fp", h -> payResponse(h, wallet, amount));
            StoredResponse response =
                    assertInstanceOf(IdempotencyKeys.Executed.class, first).response();
            assertEquals(
                    response,
                    assertInstanceOf(IdempotencyKeys.Replayed.class, again).response());
            UUID id = UUID.fromString(new String(response.body(), StandardCharsets.UTF_8));
            m.balances.set(w, m.balances.get(w) - amount);
            m.pending.add(new Pending(id, w, amount));
            return "payTwiceWithKey(" + w + "," + amount + ")";
        }
        if (choice < 90 && !m.pending.isEmpty()) {
            Pending p = m.pending.remove(random.nextInt(m.pending.size()));
            boolean paid = random.nextBoolean();
            PaymentOutcome outcome =
                    paid ? new PaymentOutcome.Paid("ref-" + p.id()) : new PaymentOutcome.Declined("no");
            assertTrue(record(p.id(), outcome));
            if (!paid) {
                m.balances.set(p.wallet(), m.balances.get(p.wallet()) + p.amount());
            }
            m.done.add(p.id());
            return (paid ? "succeed(" : "decline(") + p.wallet() + "," + p.amount() + ")";
        }
        if (!m.done.isEmpty()) {
            UUID id = m.done.get(random.nextInt(m.done.size()));
            PaymentOutcome outcome =
                    random.nextBoolean() ? new PaymentOutcome.Paid("again") : new PaymentOutcome.Declined("again");
            assertFalse(record(id, outcome), "a terminal payment took a second outcome");
            return "redeliver(" + id + ")";
        }
        return "nothing";
    }

    private static StoredResponse payResponse(org.jdbi.v3.core.Handle h, UUID wallet, long amount) {
        BillPayment p =
                db.wallets.requestBillPayment(h, wallet, new BillPaymentRequest("wifi", "K", amount), Optional.empty());
        return new StoredResponse(202, "text/plain", p.id().toString().getBytes(StandardCharsets.UTF_8));
    }

    private static boolean record(UUID paymentId, PaymentOutcome outcome) {
        Boolean changed = db.jdbi.inTransaction(h -> db.wallets.recordOutcome(h, paymentId, outcome));
        return changed;
    }

    private static void check(Model m) {
        LedgerAudit audit = db.wallets.audit();
        assertEquals(0, audit.sumOfBalances(), "debits and credits differ");
        assertEquals(List.of(), audit.outOfBalance(), "balances differ from the sum of their entries");
        assertEquals(List.of(), audit.negative(), "negative accounts");
        assertEquals(List.of(), audit.entriesDrift(), "the database's running totals differ from the transfers");
        assertEquals(List.of(), audit.clearingMismatch(), "clearing accounts differ from their pending payments");
        assertEquals(0, audit.differences(), audit.toString());
        for (int i = 0; i < WALLETS; i++) {
            assertEquals(m.balances.get(i), db.balance(m.wallets.get(i)), "wallet " + i + " balance");
        }
        BigDecimal clearing = db.jdbi.withHandle(
                h -> h.createQuery("SELECT coalesce(sum(balance), 0) FROM account WHERE kind = 'BILLER_CLEARING'")
                        .mapTo(BigDecimal.class)
                        .one());
        BigDecimal pending = db.jdbi.withHandle(
                h -> h.createQuery("SELECT coalesce(sum(amount), 0) FROM bill_payment WHERE status = 'PENDING'")
                        .mapTo(BigDecimal.class)
                        .one());
        assertEquals(0, pending.compareTo(clearing), "clearing " + clearing + " != pending " + pending);
    }

    private record Pending(UUID id, int wallet, long amount) {}

    private static final class Model {
        final List<UUID> wallets = new ArrayList<>();
        final List<Long> balances = new ArrayList<>();
        final List<Pending> pending = new ArrayList<>();
        final List<UUID> done = new ArrayList<>();
    }
}
