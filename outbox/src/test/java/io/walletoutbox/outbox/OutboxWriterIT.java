package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outbox writer and admin against a real PostgreSQL. */
class OutboxWriterIT {
    private static javax.sql.DataSource ds;
    private static Jdbi jdbi;
    private final AtomicInteger commits = new AtomicInteger();
    private final OutboxWriter writer = OutboxWriter.create(OutboxConfig.DEFAULTS, commits::incrementAndGet);

    @BeforeAll
    static void database() {
        var infra = SharedInfrastructure.get();
        ds = TestPools.pool(infra.newDatabase("outbox_writer"), 2).open(); // lives as long as the test JVM
        OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
        OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS); // a second start finds nothing to do
        jdbi = Jdbi.create(ds);
    }

    @BeforeEach
    void empty() {
        jdbi.useHandle(h -> h.execute("TRUNCATE outbox_event, outbox_parked"));
    }

    private static long count(UUID id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox_event WHERE event_id = :id")
                .bind("id", id)
                .mapTo(Long.class)
                .one());
    }

    @Test
    void appendWithoutATransactionFails() {
        var event = OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{}");
        jdbi.useHandle(h -> assertThrows(
                OutboxException.NoTransactionException.class, () -> writer.append(h.getConnection(), event)));
        assertEquals(0, count(event.id()));
    }

    @Test
    void eventExistsOnlyWhenTheTransactionCommitsAndCommittedRunsTheWakeUp() throws Exception {
        var kept = OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{\"n\":1}");
        var dropped = OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{\"n\":2}");
        try (java.sql.Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            writer.append(c, kept);
            assertEquals(0, count(kept.id()), "invisible before the commit");
            c.commit();
            assertEquals(0, commits.get(), "plain JDBC: the writer cannot see the commit");
            writer.committed();
            assertEquals(1, commits.get());
            writer.append(c, dropped);
            c.rollback();
            c.setAutoCommit(true);
        }
        assertEquals(1, count(kept.id()));
        assertEquals(0, count(dropped.id()));
    }

    @Test
    void rowKeepsTheEventAsGivenWithItsShard() {
        var event = OutboxEvent.of("Thing", "t-42", "ThingChanged", "things", "{ \"spaced\" : \"caf\u00e9\" }")
                .withHeader("traceparent", "00-abc-def-01");
        jdbi.useTransaction(h -> writer.append(h.getConnection(), event));
        var row = jdbi.withHandle(h -> h.createQuery(
                        "SELECT shard, payload, headers->>'traceparent' AS tp, attempts FROM outbox_event WHERE event_id = :id")
                .bind("id", event.id())
                .mapToMap()
                .one());
        assertEquals(OutboxConfig.DEFAULTS.shardOf("t-42"), row.get("shard"));
        assertEquals(event.payloadText(), row.get("payload"), "byte for byte, not normalised JSON");
        assertEquals("00-abc-def-01", row.get("tp"));
        assertEquals(0, row.get("attempts"));
    }

    @Test
    void sameEventIdTwiceIsRejected() {
        var event = OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{}");
        jdbi.useTransaction(h -> writer.append(h.getConnection(), event));
        assertThrows(
                OutboxException.DuplicateEventException.class,
                () -> jdbi.useTransaction(h -> writer.append(h.getConnection(), event)));
        assertEquals(1, count(event.id()));
    }

    @Test
    void adminStatusCountsTheBacklogAndAgesItsOldestEvent() {
        var admin = OutboxAdmin.create(ds);
        assertEquals(new OutboxAdmin.Status(0, Duration.ZERO, 0), admin.status());
        Instant tenSecondsAgo = Instant.now().minusSeconds(10).truncatedTo(ChronoUnit.MICROS);
        var old = new OutboxEvent(
                UUID.randomUUID(), "Thing", "t-1", "ThingChanged", "things", "{}", Map.of(), tenSecondsAgo);
        jdbi.useTransaction(h -> {
            writer.append(h.getConnection(), old);
            writer.append(h.getConnection(), OutboxEvent.of("Thing", "t-2", "ThingChanged", "things", "{}"));
        });
        var status = admin.status();
        assertEquals(2, status.backlog());
        assertEquals(0, status.parked());
        assertTrue(status.oldestAge().compareTo(Duration.ofSeconds(10)) >= 0, status.toString());
        assertTrue(status.oldestAge().compareTo(Duration.ofMinutes(10)) < 0, status.toString());
        assertEquals(java.util.List.of(), admin.listParked(100, 0));
        assertThrows(IllegalArgumentException.class, () -> admin.listParked(0, 0));
    }

    @Test
    void aRefusingGateStopsTheAppendAndWritesNothing() {
        WriteGate closed = () -> java.util.Optional.of("slot walletoutbox_x is missing");
        for (OutboxMode mode : OutboxMode.values()) {
            var gated = OutboxWriter.create(OutboxConfig.DEFAULTS, mode, commits::incrementAndGet, closed);
            var event = OutboxEvent.of("Thing", "t-1", "ThingChanged", "things", "{}");
            var e = assertThrows(
                    OutboxException.WritesRefusedException.class,
                    () -> jdbi.useTransaction(h -> gated.append(h.getConnection(), event)));
            assertTrue(e.getMessage().contains("slot walletoutbox_x is missing"), e.getMessage());
            assertEquals(0, count(event.id()), mode + ": nothing written");
        }
        assertEquals(0, commits.get(), "no commit, no wake-up");
    }

    /**
     * A parked event with shard -1 (parked by a CDC relay before the deployment switched to TABLE mode) is retried
     * into its key's shard, at its old position; an unknown id is not retried.
     */
    @Test
    void tableModeRetryOfAnEventParkedByTheCdcRelayGivesItItsKeysShard() {
        var admin = OutboxAdmin.create(ds);
        UUID eventId = UUID.randomUUID();
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO outbox_parked (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                                   payload, headers, created_at, attempts, last_error)
                        VALUES (987654321, :eventId, -1, 'Thing', 't-7', 'ThingChanged', 'things', '{}', '{}',
                                now(), 5, 'RecordTooLargeException')
                        """).bind("eventId", eventId).execute());
        assertEquals(false, admin.retry(123));
        assertTrue(admin.retry(987654321));
        var row =
                jdbi.withHandle(h -> h.createQuery("SELECT id, shard, attempts FROM outbox_event WHERE event_id = :id")
                        .bind("id", eventId)
                        .mapToMap()
                        .one());
        assertEquals(987654321L, row.get("id"));
        assertEquals(OutboxConfig.DEFAULTS.shardOf("t-7"), row.get("shard"));
        assertEquals(0, row.get("attempts"));
        assertEquals(0, admin.status().parked());
        assertEquals(false, admin.retry(987654321), "retried once");
    }
}
