package io.walletoutbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The inbox purge against real PostgreSQL: entries past the retention go, younger ones stay, and the bill-payment
 * consumer's entry of an event whose payment is in unresolved reconciliation stays however old it is.
 */
class InboxRetentionIT {
    private static final String CONSUMER = BillPaymentConsumerConfig.DEFAULT_GROUP;
    private static final Duration RETENTION = Duration.ofHours(1);
    private static Infra infra;

    @BeforeAll
    static void setUp() {
        infra = new Infra("inboxretention");
    }

    @AfterAll
    static void tearDown() {
        infra.close();
    }

    @BeforeEach
    void empty() {
        infra.jdbi.useHandle(h -> h.execute("TRUNCATE inbox, provider_reconciliation"));
    }

    @Test
    void entriesOlderThanTheRetentionGoAndYoungerOnesStay() {
        UUID old = marker(CONSUMER, Duration.ofHours(2));
        UUID young = marker(CONSUMER, Duration.ofMinutes(50));

        assertEquals(1, InboxRetention.purge(infra.jdbi, RETENTION));

        assertFalse(present(CONSUMER, old), "an entry past the retention is purged");
        assertTrue(present(CONSUMER, young), "an entry within the retention stays");
        assertEquals(0, InboxRetention.purge(infra.jdbi, RETENTION), "nothing left to purge");
    }

    @Test
    void anEntryOfAnUnresolvedReconciliationEntryStaysHoweverOld() {
        UUID pending = marker(CONSUMER, Duration.ofDays(400));
        reconciliation(pending, false);
        UUID resolved = marker(CONSUMER, Duration.ofDays(400));
        reconciliation(resolved, true);

        assertEquals(1, InboxRetention.purge(infra.jdbi, RETENTION));

        assertTrue(present(CONSUMER, pending), "the payment is still in reconciliation: its event keeps its entry");
        assertFalse(present(CONSUMER, resolved), "a resolved payment's entry goes by age");

        infra.jdbi.useHandle(
                h -> h.createUpdate("UPDATE provider_reconciliation SET resolved_at = now() WHERE event_id = :event")
                        .bind("event", pending)
                        .execute());
        assertEquals(1, InboxRetention.purge(infra.jdbi, RETENTION), "once resolved, the next purge takes it");
        assertFalse(present(CONSUMER, pending));
    }

    @Test
    void otherConsumersEntriesGoByAgeAlone() {
        UUID event = marker(CONSUMER, Duration.ofHours(3));
        reconciliation(event, false);
        marker("notifications", event, Duration.ofHours(3));
        UUID young = marker("notifications", Duration.ofMinutes(1));

        assertEquals(1, InboxRetention.purge(infra.jdbi, RETENTION));

        assertTrue(present(CONSUMER, event), "the bill-payment consumer's entry is kept");
        assertFalse(present("notifications", event), "another consumer's entry of the same event is not");
        assertTrue(present("notifications", young));
    }

    @Test
    void purgesInBatchesPastTheKeptEntries() {
        // More than two batches of old entries, with kept ones among them: every batch must skip what it keeps.
        infra.jdbi.useHandle(h -> h.execute("""
                INSERT INTO inbox (consumer, event_id, processed_at)
                SELECT 'bill-payments', gen_random_uuid(), now() - interval '2 hours' - g * interval '1 second'
                FROM generate_series(1, 12001) g
                """));
        UUID kept = marker(CONSUMER, Duration.ofDays(2));
        reconciliation(kept, false);

        assertEquals(12001, InboxRetention.purge(infra.jdbi, RETENTION));

        assertEquals(1, count(), "only the entry of the unresolved payment is left");
        assertTrue(present(CONSUMER, kept));
    }

    @Test
    void refusesARetentionThatIsNotPositive() {
        assertThrows(IllegalArgumentException.class, () -> InboxRetention.purge(infra.jdbi, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> InboxRetention.purge(infra.jdbi, Duration.ofSeconds(-1)));
    }

    private static UUID marker(String consumer, Duration age) {
        return marker(consumer, UUID.randomUUID(), age);
    }

    private static UUID marker(String consumer, UUID event, Duration age) {
        infra.jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO inbox (consumer, event_id, processed_at)
                        VALUES (:consumer, :event, now() - :ageMs * interval '1 millisecond')
                        """)
                .bind("consumer", consumer)
                .bind("event", event)
                .bind("ageMs", age.toMillis())
                .execute());
        return event;
    }

    /** A reconciliation entry for {@code event}'s payment, as the consumer writes it; resolved or not. */
    private static void reconciliation(UUID event, boolean resolved) {
        infra.jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO provider_reconciliation (payment_id, event_id, wallet_id, biller, customer_ref,
                                                             amount, currency, last_cause, attempts, first_attempt_at,
                                                             resolved_at)
                        VALUES (:payment, :event, 'w-1', 'wifi', 'ACC-1', 100, 'USD', 'timeout', 1,
                                now() - interval '400 days', CASE WHEN :resolved THEN now() END)
                        """)
                .bind("payment", UUID.randomUUID())
                .bind("event", event)
                .bind("resolved", resolved)
                .execute());
    }

    private static boolean present(String consumer, UUID event) {
        return infra.jdbi.withHandle(h -> h.createQuery(
                        "SELECT EXISTS (SELECT 1 FROM inbox WHERE consumer = :consumer AND event_id = :event)")
                .bind("consumer", consumer)
                .bind("event", event)
                .mapTo(Boolean.class)
                .one());
    }

    private static long count() {
        return infra.jdbi.withHandle(h ->
                h.createQuery("SELECT count(*) FROM inbox").mapTo(Long.class).one());
    }
}
