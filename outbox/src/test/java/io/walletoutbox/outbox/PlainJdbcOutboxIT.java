package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The core on java.sql alone, as a team without Jdbi uses it: a {@link DataSource} and its {@link Connection}s, the
 * caller's own transactions, commit and rollback, the inbox in the consumer's transaction, the admin and the mode.
 */
class PlainJdbcOutboxIT {
    private static DataSource dataSource;
    private final AtomicInteger wakeUps = new AtomicInteger();
    private final OutboxWriter writer =
            OutboxWriter.builder().afterCommit(wakeUps::incrementAndGet).build();

    @BeforeAll
    static void database() {
        var infra = SharedInfrastructure.get();
        dataSource = TestPools.pool(infra.newDatabase("outbox_plain_jdbc"), 2).open(); // lives as long as the JVM
        OutboxSchema.migrate(dataSource, OutboxConfig.DEFAULTS);
    }

    @BeforeEach
    void empty() throws SQLException {
        try (Connection c = dataSource.getConnection();
                var s = c.createStatement()) {
            s.execute("TRUNCATE outbox_event, outbox_parked, inbox");
        }
    }

    @Test
    void anEventCommitsWithTheCallersChangeAndARollbackTakesBoth() throws SQLException {
        var kept = OutboxEvent.of("Order", "o-1", "OrderPlaced", "orders", "{\"n\":1}");
        var dropped = OutboxEvent.of("Order", "o-1", "OrderPlaced", "orders", "{\"n\":2}");
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (var s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS orders (id text PRIMARY KEY)");
            }
            c.commit();
            insertOrder(c, "o-1");
            writer.append(c, kept);
            c.commit();
            writer.committed();

            insertOrder(c, "o-2");
            writer.append(c, dropped);
            c.rollback();
            c.setAutoCommit(true);
        }
        assertEquals(1, wakeUps.get(), "one committed transaction reported, none for the rollback");
        assertEquals(1, countOf("SELECT count(*) FROM outbox_event WHERE event_id = ?", kept.id()));
        assertEquals(0, countOf("SELECT count(*) FROM outbox_event WHERE event_id = ?", dropped.id()));
        assertEquals(0, countOf("SELECT count(*) FROM orders WHERE id = ?", "o-2"), "the change went with it");
    }

    @Test
    void anAutoCommitConnectionIsRefusedAndADuplicateIdIsNamed() throws SQLException {
        var event = OutboxEvent.of("Order", "o-1", "OrderPlaced", "orders", "{}");
        try (Connection c = dataSource.getConnection()) {
            assertTrue(c.getAutoCommit());
            assertThrows(OutboxException.NoTransactionException.class, () -> writer.append(c, event));
            c.setAutoCommit(false);
            writer.append(c, event);
            c.commit();
            assertThrows(OutboxException.DuplicateEventException.class, () -> writer.append(c, event));
            c.rollback();
            c.setAutoCommit(true);
        }
        assertEquals(1, countOf("SELECT count(*) FROM outbox_event WHERE event_id = ?", event.id()));
    }

    @Test
    void theInboxMarksOnceInTheConsumersTransactionAndPurgesOnItsOwn() throws SQLException {
        Inbox inbox = Inbox.create();
        UUID id = UUID.randomUUID();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            assertFalse(inbox.isProcessed(c, "orders", id));
            assertTrue(inbox.markProcessed(c, "orders", id));
            c.rollback();
            assertFalse(inbox.isProcessed(c, "orders", id), "rolled back with the consumer's work");
            assertTrue(inbox.markProcessed(c, "orders", id));
            c.commit();
            assertFalse(inbox.markProcessed(c, "orders", id), "a second mark is refused");
            assertTrue(inbox.isProcessed(c, "orders", id));
            c.rollback();
            c.setAutoCommit(true);
        }
        assertEquals(0, inbox.purge(dataSource, Duration.ofDays(1)), "processed just now: kept");
    }

    @Test
    void theAdminAndTheModeRunInTransactionsOfTheirOwnOrInTheCallers() throws SQLException {
        OutboxModes.claim(dataSource, OutboxMode.TABLE);
        assertEquals(Optional.of(OutboxMode.TABLE), OutboxModes.recorded(dataSource));
        OutboxAdmin admin = OutboxAdmin.create(dataSource, OutboxMode.TABLE);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            writer.append(c, OutboxEvent.of("Order", "o-1", "OrderPlaced", "orders", "{}"));
            c.commit();
            c.setAutoCommit(true);
            try (var s = c.createStatement()) {
                s.execute("""
                        INSERT INTO outbox_parked (id, event_id, shard, aggregate_type, aggregate_id, event_type,
                                                   topic, payload, headers, created_at, attempts, last_error)
                        VALUES (123456789, gen_random_uuid(), -1, 'Order', 'o-9', 'OrderPlaced', 'orders', '{}',
                                '{}', now(), 5, 'RecordTooLargeException')
                        """);
            }
        }
        assertEquals(1, admin.status().backlog());
        assertEquals(1, admin.status().parked());
        assertEquals(123456789L, admin.listParked(10, 0).getFirst().id());
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            assertTrue(admin.retry(c, 123456789));
            c.rollback();
            c.setAutoCommit(true);
        }
        assertEquals(1, admin.status().parked(), "the retry rolled back with the caller's transaction");
        assertTrue(admin.retry(123456789));
        var status = admin.status();
        assertEquals(2, status.backlog(), "moved back into outbox_event");
        assertEquals(0, status.parked());
        assertFalse(admin.discard(123456789), "no longer parked");
    }

    private static void insertOrder(Connection c, String id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO orders (id) VALUES (?)")) {
            s.setString(1, id);
            s.executeUpdate();
        }
    }

    private static long countOf(String sql, Object value) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, value);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
