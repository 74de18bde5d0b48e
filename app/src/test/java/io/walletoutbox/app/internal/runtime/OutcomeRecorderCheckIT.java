package io.walletoutbox.app.internal.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.outbox.Inbox;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.provider.LedgerPayment;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.OutcomeRecorder.Lookup;
import io.walletoutbox.wallet.BillPaymentRequest;
import io.walletoutbox.wallet.PaymentOutcome;
import io.walletoutbox.wallet.WalletConfig;
import io.walletoutbox.wallet.WalletSchema;
import io.walletoutbox.wallet.Wallets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The app's recorder answers the consumer's check (inbox entry, the payment's row, its reconciliation entry) in one
 * statement exactly as the default's statements would, and reads the ledger's values.
 */
class OutcomeRecorderCheckIT {
    private static final String CONSUMER = "bill-payments";
    private static HikariDataSource dataSource;
    private static Jdbi jdbi;
    private static Wallets wallets;
    private static OutcomeRecorder recorder;
    /** The same lookups through the interface's default check (two statements). */
    private static OutcomeRecorder reference;

    @BeforeAll
    static void start() {
        SharedInfrastructure infra = SharedInfrastructure.get();
        dataSource = TestPools.pool(infra.newDatabase("recorder_check"), 4).open();
        OutboxSchema.migrate(dataSource, OutboxConfig.DEFAULTS);
        WalletSchema.migrate(dataSource);
        ProviderWiring.migrate(dataSource);
        jdbi = Jdbi.create(dataSource);
        wallets = Wallets.create(jdbi, OutboxWriter.create(OutboxConfig.DEFAULTS, () -> {}), new WalletConfig("t"));
        recorder = ProviderWiring.recorder(wallets);
        reference = new OutcomeRecorder() {
            @Override
            public Optional<LedgerPayment> payment(Handle handle, UUID paymentId) {
                return recorder.payment(handle, paymentId);
            }

            @Override
            public List<LedgerPayment> stalePending(Handle handle, Instant createdBefore, int limit) {
                return recorder.stalePending(handle, createdBefore, limit);
            }

            @Override
            public boolean paid(Handle handle, UUID paymentId, String reference) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean declined(Handle handle, UUID paymentId, String reason) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @AfterAll
    static void stop() {
        dataSource.close();
    }

    private static Lookup check(UUID eventId, UUID paymentId) {
        OutcomeRecorder.Check one = jdbi.withHandle(h -> recorder.check(h, CONSUMER, eventId, paymentId));
        OutcomeRecorder.Check two = jdbi.withHandle(h -> reference.check(h, CONSUMER, eventId, paymentId));
        assertEquals(two, one, "one statement answers as the statements of the default do");
        return one.lookup();
    }

    private static UUID pendingPayment() {
        var wallet = wallets.create("owner-" + UUID.randomUUID(), "USD");
        wallets.topUp(wallet.id(), 1_000);
        return wallets.requestBillPayment(wallet.id(), new BillPaymentRequest("wifi", "ACC-1", 100), Optional.empty())
                .id();
    }

    @Test
    void answersForEveryStateOfThePaymentAndTheInbox() {
        UUID payment = pendingPayment();
        UUID event = UUID.randomUUID();

        assertEquals(Lookup.PENDING, check(event, payment));
        assertEquals(Lookup.PENDING, check(null, payment));
        assertEquals(Lookup.NOT_FOUND, check(event, UUID.randomUUID()));
        assertEquals(Lookup.NOT_FOUND, check(event, null));
        LedgerPayment ledger = jdbi.withHandle(h -> recorder.check(h, CONSUMER, event, payment))
                .payment()
                .orElseThrow();
        assertEquals("wifi", ledger.biller());
        assertEquals("ACC-1", ledger.customerRef());
        assertEquals(100, ledger.amount());
        assertEquals("USD", ledger.currency());
        assertEquals(LedgerPayment.Status.PENDING, ledger.status());
        assertEquals(
                List.of(ledger),
                jdbi.withHandle(h -> recorder.stalePending(h, Instant.now().plusSeconds(1), 10)));
        assertEquals(List.of(), jdbi.withHandle(h -> recorder.stalePending(h, ledger.createdAt(), 10)));

        // A reconciliation entry makes a pending payment's event one that is never charged again.
        jdbi.useHandle(h -> h.execute("""
                INSERT INTO provider_reconciliation (payment_id, wallet_id, biller, customer_ref, amount, currency,
                                                     last_cause, attempts, first_attempt_at, reason)
                VALUES (?, 'w', 'wifi', 'ACC-1', 100, 'USD', 'test', 1, now(), 'no-progress')""", payment));
        assertEquals(Lookup.IN_RECONCILIATION, check(event, payment));
        assertEquals(
                List.of(),
                jdbi.withHandle(h -> recorder.stalePending(h, Instant.now().plusSeconds(1), 10)));

        jdbi.useTransaction(h -> wallets.recordOutcome(h, payment, new PaymentOutcome.Paid("ref-1")));
        assertEquals(Lookup.SETTLED, check(event, payment));

        jdbi.useTransaction(h -> Inbox.create().markProcessed(h.getConnection(), CONSUMER, event));
        assertEquals(Lookup.PROCESSED, check(event, payment));
        assertEquals(Lookup.PROCESSED, check(event, null));
        assertEquals(Lookup.PROCESSED, check(event, UUID.randomUUID()));
        assertEquals(Lookup.SETTLED, check(UUID.randomUUID(), payment));
    }
}
