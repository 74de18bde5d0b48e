package io.walletoutbox.outbox.jdbi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxModes;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.outbox.OutboxWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Jdbi adapter against a real PostgreSQL: appends in a handle's transaction, wakes after its commit only. */
class JdbiOutboxIT {
    private static Jdbi jdbi;
    private final AtomicInteger wakeUps = new AtomicInteger();
    private final JdbiOutboxWriter writer =
            JdbiOutbox.writer(OutboxWriter.create(OutboxConfig.DEFAULTS, wakeUps::incrementAndGet));

    @BeforeAll
    static void database() {
        var infra = SharedInfrastructure.get();
        var ds = TestPools.pool(infra.newDatabase("outbox_jdbi"), 3).open(); // lives as long as the test JVM
        OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
        jdbi = Jdbi.create(ds);
    }

    @BeforeEach
    void empty() {
        jdbi.useHandle(h -> h.execute("TRUNCATE outbox_event, outbox_parked, inbox, outbox_mode"));
    }

    private static long count(UUID id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox_event WHERE event_id = :id")
                .bind("id", id)
                .mapTo(Long.class)
                .one());
    }

    @Test
    void anAppendCommitsWithTheHandlesTransactionAndWakesOnlyAfterTheCommit() {
        var kept = OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{\"n\":1}");
        var dropped = OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{\"n\":2}");
        jdbi.useTransaction(h -> {
            writer.append(h, kept);
            assertEquals(0, wakeUps.get(), "not before the commit");
        });
        assertEquals(1, wakeUps.get(), "Jdbi ran the callback after the commit");
        assertThrows(
                IllegalStateException.class,
                () -> jdbi.useTransaction(h -> {
                    writer.append(h, dropped);
                    throw new IllegalStateException("business rule failed");
                }));
        assertEquals(1, wakeUps.get(), "a rollback wakes nobody");
        assertEquals(1, count(kept.id()));
        assertEquals(0, count(dropped.id()));
    }

    @Test
    void aHandleWithoutATransactionIsRefusedAndADuplicateIsNamed() {
        var event = OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{}");
        jdbi.useHandle(h -> assertThrows(OutboxException.NoTransactionException.class, () -> writer.append(h, event)));
        jdbi.useTransaction(h -> writer.append(h, event));
        assertThrows(
                OutboxException.DuplicateEventException.class, () -> jdbi.useTransaction(h -> writer.append(h, event)));
        assertEquals(1, count(event.id()));
        assertEquals(1, wakeUps.get());
    }

    @Test
    void theInboxTakesHandlesAndPurgesOnTheJdbisConnections() {
        JdbiInbox inbox = JdbiOutbox.inbox();
        UUID id = UUID.randomUUID();
        jdbi.useTransaction(h -> {
            assertTrue(inbox.markProcessed(h, "things", id));
            assertFalse(inbox.markProcessed(h, "things", id), "a second mark is refused");
        });
        boolean processed = jdbi.withHandle(h -> inbox.isProcessed(h, "things", id));
        assertTrue(processed);
        jdbi.useHandle(h -> h.execute("UPDATE inbox SET processed_at = now() - interval '40 days'"));
        assertEquals(1, inbox.purge(jdbi, Duration.ofDays(30)));
        boolean forgotten = !jdbi.withHandle(h -> inbox.isProcessed(h, "things", id));
        assertTrue(forgotten, "purged");
    }

    @Test
    void theAdminAndTheModesRunOnTheJdbisConnectionsAndGiveThemBack() {
        var dataSource = JdbiOutbox.dataSource(jdbi);
        OutboxModes.claim(dataSource, OutboxMode.TABLE);
        assertEquals(Optional.of(OutboxMode.TABLE), OutboxModes.recorded(dataSource));
        OutboxAdmin admin = JdbiOutbox.admin(jdbi, OutboxMode.TABLE);
        jdbi.useTransaction(h -> writer.append(h, OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{}")));
        jdbi.useHandle(h -> h.execute("""
                INSERT INTO outbox_parked (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                           payload, headers, created_at, attempts, last_error)
                VALUES (987654321, gen_random_uuid(), 3, 'Thing', 't-7', 'ThingChanged', 'things', '{}', '{}',
                        now(), 5, 'RecordTooLargeException')
                """));
        for (int i = 0; i < 10; i++) { // more calls than the pool has connections: each is given back
            assertEquals(1, admin.status().backlog());
        }
        boolean discarded = jdbi.inTransaction(h -> admin.discard(h.getConnection(), 123));
        assertFalse(discarded, "unknown id");
        boolean retried = jdbi.inTransaction(h -> admin.retry(h.getConnection(), 987654321));
        assertTrue(retried);
        assertEquals(2, admin.status().backlog());
        assertEquals(0, admin.status().parked());
    }
}
