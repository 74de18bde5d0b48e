package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.relay.internal.OutboxVacuum;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The relay's own vacuum of the outbox table: when it runs, and that one instance at a time does. */
class OutboxVacuumIT {
    private static final Duration LONG = Duration.ofSeconds(60);
    private final RelayFixture fixture = new RelayFixture("outbox-vacuum");

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    @Test
    void vacuumsOnceDeadRowsPileUpAndOnlyWhileNoOtherInstanceHoldsTheLock() {
        Jdbi jdbi = fixture.jdbi;
        var vacuum = new OutboxVacuum(fixture.dataSource, "vacuum-test", OutboxTables.DEFAULTS);
        assertFalse(vacuum.vacuumIfNeeded(), "an empty table needs no vacuum");

        jdbi.useHandle(h -> {
            // Autovacuum must not clean up first, or what this test sees would be its doing.
            h.execute("ALTER TABLE outbox_event SET (autovacuum_enabled = false)");
            h.execute("""
                    INSERT INTO outbox_event (event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload,
                                              created_at)
                    SELECT gen_random_uuid(), g % 64, 'wallet', 'w' || g, 'Test', 'vacuum-topic', '{}', now()
                    FROM generate_series(1, 3000) g
                    """);
            h.execute("DELETE FROM outbox_event");
        });
        await(() -> deadTuples(jdbi) >= OutboxVacuum.DEAD_TUPLES, LONG, "the deletes to show as dead tuples");
        assertNull(lastVacuum(jdbi), "nobody vacuumed yet");

        // Another relay instance is vacuuming (holds the lock): this one leaves the table alone.
        try (var other = jdbi.open()) {
            other.createQuery("SELECT pg_advisory_lock(:key)")
                    .bind("key", 0x6f7574626f782076L)
                    .mapTo(String.class)
                    .one();
            assertFalse(vacuum.vacuumIfNeeded(), "the lock is another instance's");
            assertNull(lastVacuum(jdbi));
        }

        assertTrue(vacuum.vacuumIfNeeded(), "3000 dead rows and the lock free: vacuum");
        assertNotNull(lastVacuum(jdbi), "pg_stat_user_tables records the vacuum");
        assertTrue(deadTuples(jdbi) < OutboxVacuum.DEAD_TUPLES, "the dead rows are gone");
        assertFalse(vacuum.vacuumIfNeeded(), "nothing left to vacuum");
    }

    @Test
    void givesTheFilesBackOnlyOnceTheOutboxIsEmpty() {
        Jdbi jdbi = fixture.jdbi;
        var vacuum = new OutboxVacuum(fixture.dataSource, "vacuum-truncate-test", OutboxTables.DEFAULTS);
        jdbi.useHandle(h -> {
            h.execute("ALTER TABLE outbox_event SET (autovacuum_enabled = false)");
            // A backlog of 80,000 events (about 11 MB of heap, 7 MB of indexes), then all but the first published:
            // drained but for one row at the start of the file.
            h.execute("""
                    INSERT INTO outbox_event (event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload,
                                              created_at)
                    SELECT gen_random_uuid(), g % 64, 'wallet', 'w' || g, 'Test', 'vacuum-topic', repeat('x', 50), now()
                    FROM generate_series(1, 80000) g
                    """);
            h.execute("DELETE FROM outbox_event WHERE id > (SELECT min(id) FROM outbox_event)");
        });
        long full = heapBytes(jdbi);
        long indexes = indexBytes(jdbi);
        assertTrue(full > 4 * OutboxVacuum.TRUNCATE_MIN_BYTES, "a large heap: " + full);
        assertTrue(indexes >= OutboxVacuum.REINDEX_MIN_BYTES, "large indexes: " + indexes);
        await(() -> deadTuples(jdbi) >= OutboxVacuum.DEAD_TUPLES, LONG, "the deletes to show as dead tuples");

        // A row is still to be published: the dead rows are vacuumed, the file is not cut (no lock is waited for).
        assertTrue(vacuum.vacuumIfNeeded(), "dead rows: vacuum");
        assertEquals(full, heapBytes(jdbi), "with a live row the file keeps its size");
        assertEquals(indexes, indexBytes(jdbi), "and so do the indexes");
        assertFalse(vacuum.vacuumIfNeeded(), "no dead rows, a live one: nothing to do");

        // The last row published: the outbox is empty, and the next check gives the file back.
        jdbi.useHandle(h -> h.execute("DELETE FROM outbox_event"));
        assertTrue(vacuum.vacuumIfNeeded(), "empty with a large file: vacuum");
        long after = heapBytes(jdbi);
        assertTrue(after < OutboxVacuum.TRUNCATE_MIN_BYTES, "the empty pages are cut off: " + after + " bytes");
        long rebuilt = indexBytes(jdbi);
        assertTrue(rebuilt < OutboxVacuum.TRUNCATE_MIN_BYTES, "the indexes are rebuilt: " + rebuilt + " bytes");
        assertFalse(vacuum.vacuumIfNeeded(), "a small empty file: nothing to do");
    }

    @Test
    void aUserThatMayNotVacuumLeavesItToAutovacuumAndRebuildsTheIndexesThroughTheOwnersFunction() {
        Jdbi owner = fixture.jdbi;
        String user = "outbox_runtime_" + Long.toHexString(System.nanoTime());
        owner.useHandle(h -> {
            h.execute("ALTER TABLE outbox_event SET (autovacuum_enabled = false)");
            // a runtime role on PostgreSQL 15 or 16: the relay's table rights, no MAINTAIN, the function's EXECUTE
            h.execute("CREATE ROLE " + user + " LOGIN PASSWORD 'pw'");
            h.execute("GRANT SELECT, UPDATE, DELETE ON outbox_event TO " + user);
            h.execute("GRANT EXECUTE ON FUNCTION outbox_event_reindex_if_empty(integer) TO " + user);
            h.execute("""
                    INSERT INTO outbox_event (event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload,
                                              created_at)
                    SELECT gen_random_uuid(), g % 64, 'wallet', 'w' || g, 'Test', 'vacuum-topic', '{}', now()
                    FROM generate_series(1, 80000) g
                    """);
        });
        var runtimeUser = fixture.register(
                TestPools.pool(fixture.url, 2).user(user, "pw").name("runtime").open());
        Jdbi runtime = Jdbi.create(runtimeUser);
        var vacuum = new OutboxVacuum(runtimeUser, "vacuum-runtime-test", OutboxTables.DEFAULTS);
        assertTrue(indexBytes(owner) >= OutboxVacuum.REINDEX_MIN_BYTES, "large indexes: " + indexBytes(owner));
        assertFalse(vacuum.vacuumIfNeeded(), "may not vacuum");
        assertTrue(indexBytes(owner) >= OutboxVacuum.REINDEX_MIN_BYTES, "not empty: the function leaves them");

        runtime.useHandle(h -> h.execute("DELETE FROM outbox_event"));
        await(() -> deadTuples(owner) >= OutboxVacuum.DEAD_TUPLES, LONG, "the deletes to show as dead tuples");
        // the check a moment later (after TRUNCATE_RETRY: the function found the outbox not empty before)
        var later = new OutboxVacuum(runtimeUser, "vacuum-runtime-test-2", OutboxTables.DEFAULTS);
        assertFalse(later.vacuumIfNeeded(), "still may not vacuum");
        assertNull(lastVacuum(owner), "nobody vacuumed");
        long rebuilt = indexBytes(owner);
        assertTrue(rebuilt < OutboxVacuum.TRUNCATE_MIN_BYTES, "the indexes are rebuilt: " + rebuilt + " bytes");
    }

    private static long indexBytes(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT pg_indexes_size('outbox_event')")
                .mapTo(Long.class)
                .one());
    }

    private static long heapBytes(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT pg_relation_size('outbox_event')")
                .mapTo(Long.class)
                .one());
    }

    private static long deadTuples(Jdbi jdbi) {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'outbox_event'::regclass")
                        .mapTo(Long.class)
                        .one());
    }

    private static OffsetDateTime lastVacuum(Jdbi jdbi) {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT last_vacuum FROM pg_stat_user_tables WHERE relid = 'outbox_event'::regclass")
                        .mapTo(OffsetDateTime.class)
                        .one());
    }
}
