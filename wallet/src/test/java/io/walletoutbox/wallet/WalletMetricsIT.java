package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ledger gauges read the real database: payments by status and money held in clearing. */
class WalletMetricsIT {
    private TestDatabase db; // one per test: the gauges count the whole database

    @BeforeEach
    void start() {
        db = new TestDatabase("wallet_metrics_it");
    }

    @AfterEach
    void stop() {
        db.close();
    }

    @Test
    void gaugesCountPaymentsByStatusAndClearingByCurrency() {
        var registry = new SimpleMeterRegistry();
        new WalletMetrics(db.jdbi, Duration.ZERO).bindTo(registry);
        assertEquals(0, gauge(registry, "ledger.payments", "status", "PENDING"));
        assertNull(
                registry.find("ledger.clearing.balance").tag("currency", "USD").gauge());

        Wallet usd = db.walletWith(1000);
        BillPayment a = pay(usd, 100);
        BillPayment b = pay(usd, 200);
        pay(usd, 300);
        db.jdbi.useTransaction(h -> db.wallets.recordOutcome(h, a.id(), new PaymentOutcome.Paid("r")));
        db.jdbi.useTransaction(h -> db.wallets.recordOutcome(h, b.id(), new PaymentOutcome.Declined("no")));
        Wallet eur = db.wallets.create("eve", "EUR");
        db.wallets.topUp(eur.id(), 50);
        pay(eur, 40);

        assertEquals(2, gauge(registry, "ledger.payments", "status", "PENDING"));
        assertEquals(1, gauge(registry, "ledger.payments", "status", "SUCCEEDED"));
        assertEquals(1, gauge(registry, "ledger.payments", "status", "FAILED"));
        // the status read above found the new currencies and registered their gauges
        assertEquals(300, gauge(registry, "ledger.clearing.balance", "currency", "USD"));
        assertEquals(40, gauge(registry, "ledger.clearing.balance", "currency", "EUR"));
    }

    @Test
    void oldestPendingAgeIsZeroWithoutPendingPaymentsAndGrowsWithTheOldestOne() {
        var registry = new SimpleMeterRegistry();
        new WalletMetrics(db.jdbi, Duration.ZERO).bindTo(registry);
        assertEquals(
                0, registry.get("ledger.payments.pending.oldest.age").gauge().value());
        pay(db.walletWith(1000), 100);
        // the oldest one's age grows with the clock (a younger one does not hide it)
        io.walletoutbox.embedded.Conditions.await(
                Duration.ofSeconds(10),
                "the oldest pending payment to be a second old",
                () -> registry.get("ledger.payments.pending.oldest.age").gauge().value() >= 1.0);
        pay(db.walletWith(1000), 100);
        double age = registry.get("ledger.payments.pending.oldest.age").gauge().value();
        assertTrue(age >= 1.0 && age < 60, "oldest pending age " + age);
        db.jdbi.useTransaction(h -> h.createQuery("SELECT id FROM bill_payment WHERE status = 'PENDING'")
                .mapTo(java.util.UUID.class)
                .list()
                .forEach(id -> db.wallets.recordOutcome(h, id, new PaymentOutcome.Paid("r"))));
        assertEquals(
                0, registry.get("ledger.payments.pending.oldest.age").gauge().value());
    }

    @Test
    void readsAreCachedForTheConfiguredTime() {
        var registry = new SimpleMeterRegistry();
        new WalletMetrics(db.jdbi, Duration.ofMinutes(5)).bindTo(registry);
        double before = gauge(registry, "ledger.payments", "status", "PENDING");
        pay(db.walletWith(10), 10);
        assertEquals(before, gauge(registry, "ledger.payments", "status", "PENDING"));
        var fresh = new SimpleMeterRegistry();
        new WalletMetrics(db.jdbi, Duration.ZERO).bindTo(fresh);
        assertEquals(before + 1, gauge(fresh, "ledger.payments", "status", "PENDING"));
    }

    private BillPayment pay(Wallet w, long amount) {
        return db.wallets.requestBillPayment(w.id(), new BillPaymentRequest("wifi", "A", amount), Optional.empty());
    }

    private static double gauge(SimpleMeterRegistry registry, String name, String tag, String value) {
        return registry.get(name).tag(tag, value).gauge().value();
    }
}
