package io.walletoutbox.relay.internal;

import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code outbox_event} small. Every published row is deleted, so the table produces dead tuples as fast as
 * events are written. Autovacuum's per-table settings (threshold 1000, no cost delay) act only when its launcher
 * visits the database, once per {@code autovacuum_naptime} — a server-wide setting, one minute by default — so
 * dead rows pile up to about a minute's worth of events, the table file grows to hold them and never shrinks,
 * and every shard probe walks them. The soak benchmark measured 94 MB after 200,000 events at 2,000/s with the
 * default naptime, 6.6 MB with a naptime of one second.
 *
 * <p>So the relay vacuums the table itself: once per {@link #INTERVAL}, one instance at a time (a session
 * advisory lock, {@code pg_try_advisory_lock}, so many relays do not vacuum together), it reads the table's dead
 * and live tuples from {@code pg_stat_user_tables} and runs {@code VACUUM (SKIP_LOCKED, TRUNCATE false)
 * outbox_event} when the dead ones reach {@link #DEAD_TUPLES}, or {@link #SCALE_FACTOR} of the live ones when
 * that is more (a backlog of a million rows after an outage is not scanned every second while it drains). A plain
 * {@code VACUUM} takes no lock that blocks writers or the relay's reads and deletes.
 *
 * <p><b>Giving the file back.</b> A vacuum makes dead rows' space reusable; only cutting empty pages off the end
 * of the file makes it smaller, and that needs an {@code ACCESS EXCLUSIVE} lock, which {@code VACUUM} only tries
 * for (every 50 ms, for up to 5 s) while the writers' and the relay's transactions hold theirs. Under a steady
 * load it never gets it, and since inserts go wherever the free space map points, the last page is rarely empty
 * anyway. Meanwhile the next check's {@code VACUUM (SKIP_LOCKED)} is skipped: in the soak (5,000 events/s) dead
 * rows piled up to 25,000 between vacuums, and without the truncation attempts the vacuums of a file of the same
 * size ran about once a second. So the regular vacuums do not truncate, and the file is given back
 * when the outbox is empty (the relay caught up, no writer in between): then, if the heap is at least {@link
 * #TRUNCATE_MIN_BYTES}, a vacuum that truncates runs, at most once per {@link #TRUNCATE_RETRY} while it keeps
 * failing. The file's high-water mark is therefore the largest backlog plus a second of dead rows, and it shrinks
 * at the first idle moment. Indexes never shrink by themselves (a vacuum makes their empty pages reusable, the files
 * stay at the size the largest backlog gave them): when the outbox is empty and they take {@link
 * #REINDEX_MIN_BYTES} or more, they are rebuilt ({@code REINDEX TABLE}, milliseconds on an empty table, giving up
 * after {@link #REINDEX_LOCK_TIMEOUT} if a lock is not free), at most once per {@link #REINDEX_INTERVAL}.
 *
 * <p><b>Rights.</b> Only the table's owner may vacuum or reindex it, or, on PostgreSQL 17 and later, a role with
 * the {@code MAINTAIN} privilege on it (the relay's group role has it: docs/operations.md, Database roles). A relay
 * whose database user has neither (a runtime role on PostgreSQL 15 or 16) cannot vacuum the table (PostgreSQL only
 * warns; {@code VACUUM} cannot run inside a function either): it leaves that to autovacuum and says so once in its
 * log, and rebuilds the empty table's indexes through {@code outbox_event_reindex_if_empty}, a {@code SECURITY
 * DEFINER} function of the schema's owner, when it may execute it.
 *
 * <p>Every statement names the tables of the relay's {@link OutboxTables} ({@code outbox_event} above stands for
 * that name), rendered once when the keeper is made. The checks run on a pooled connection in auto-commit mode:
 * {@code VACUUM} cannot run inside a transaction block.
 */
public final class OutboxVacuum implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxVacuum.class);
    /** How often the table's dead tuples are looked at. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);
    /** Dead tuples that make the relay vacuum (the table's autovacuum threshold). */
    public static final long DEAD_TUPLES = 1_000;
    /** Above {@link #DEAD_TUPLES}, dead tuples as a fraction of the live ones that make the relay vacuum. */
    public static final double SCALE_FACTOR = 0.2;
    /** The least heap size for which an empty outbox is vacuumed to give its file back. */
    public static final long TRUNCATE_MIN_BYTES = 1024 * 1024;
    /** How long after a vacuum that could not shrink the file the next one may try. */
    public static final Duration TRUNCATE_RETRY = Duration.ofSeconds(10);
    /** The least size of the indexes for which an empty outbox's indexes are rebuilt. */
    public static final long REINDEX_MIN_BYTES = 4 * 1024 * 1024;
    /**
     * The least time between two rebuilds of the indexes; after an attempt that could not get its locks, {@link
     * #TRUNCATE_RETRY}.
     */
    public static final Duration REINDEX_INTERVAL = Duration.ofMinutes(10);
    /** How long a rebuild of the indexes waits for its locks before it gives up, for another time. */
    static final Duration REINDEX_LOCK_TIMEOUT = Duration.ofMillis(50);
    /** The advisory lock key that lets one relay at a time vacuum ("outbox v" in ASCII). */
    static final long LOCK_KEY = 0x6f7574626f782076L;

    private final DataSource dataSource;
    private final String instanceId;
    private final PeriodicTask task;
    /** The outbox table's qualified name, as the statements and log lines write it. */
    private final String table;

    private final NamedSql tryLock = NamedSql.of("SELECT pg_try_advisory_lock(:key)");
    private final NamedSql unlock = NamedSql.of("SELECT pg_advisory_unlock(:key)");
    private final NamedSql isEmpty;
    private final NamedSql heapSize;
    private final NamedSql reindexFunction;
    private final String vacuumEmpty;
    private final String vacuum;
    private final String reindexTable;
    private final String reindexFunctionName;
    private final OutboxTables tables;
    private boolean notOwnerLogged;
    private NamedSql stateQuery;
    private long nextTruncate = System.nanoTime();
    private long nextReindex = System.nanoTime();

    /**
     * A keeper of {@code tables}' outbox table, taking a connection of {@code dataSource} for each check; not started.
     */
    public OutboxVacuum(DataSource dataSource, String instanceId, OutboxTables tables) {
        this.dataSource = dataSource;
        this.instanceId = instanceId;
        this.tables = tables;
        this.table = tables.name("outbox_event");
        this.reindexFunctionName = tables.name("outbox_event_reindex_if_empty");
        // min(id) reads the primary key's first live entry, not the heap's pages.
        this.isEmpty = NamedSql.of(tables.render("SELECT min(id) IS NULL FROM {outbox_event}"));
        this.heapSize = NamedSql.of(tables.render("SELECT pg_relation_size('{outbox_event}')"));
        this.reindexFunction = NamedSql.of(tables.render("SELECT {outbox_event_reindex_if_empty}(:timeout)"));
        this.vacuumEmpty = tables.render("VACUUM (SKIP_LOCKED) {outbox_event}");
        this.vacuum = tables.render("VACUUM (SKIP_LOCKED, TRUNCATE false) {outbox_event}");
        this.reindexTable = tables.render("REINDEX TABLE {outbox_event}");
        this.task = new PeriodicTask(
                "relay-" + instanceId + "-vacuum",
                INTERVAL,
                this::vacuumIfNeeded,
                e -> log.debug("relay {}: outbox vacuum check failed: {}", instanceId, e.toString()));
    }

    /** Starts the background (virtual) thread. */
    public void start() {
        task.start();
    }

    /**
     * One check: vacuums when this instance gets the lock and the table has enough dead tuples, or is empty and
     * its file could shrink; true when it vacuumed.
     */
    public boolean vacuumIfNeeded() {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            // VACUUM cannot run in a transaction block: every statement here runs on its own.
            connection.setAutoCommit(true);
            try {
                if (!tryLock.on(connection).bind("key", LOCK_KEY).one(rs -> rs.getBoolean(1))) {
                    return false;
                }
                try {
                    return vacuumLocked(connection);
                } finally {
                    unlock.on(connection).bind("key", LOCK_KEY).one(rs -> rs.getBoolean(1));
                }
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw Jdbc.failed("relay " + instanceId + ": vacuum check of " + table, e);
        }
    }

    /**
     * What the table looks like and what this database user may do to it: {@code maintain} (vacuum and reindex:
     * owner, or {@code MAINTAIN} on 17+), {@code reindexFunction} (may execute {@code outbox_event_reindex_if_empty}).
     */
    private record TableState(
            long dead, long live, boolean maintain, boolean reindexFunction, long heapBytes, long indexBytes) {}

    /** The state query of this server: {@code MAINTAIN} is a privilege only from PostgreSQL 17 on. */
    private NamedSql stateQuery(Connection connection) throws SQLException {
        if (stateQuery == null) {
            boolean maintainPrivilege = NamedSql.of("SELECT current_setting('server_version_num')::int >= 170000")
                    .on(connection)
                    .one(rs -> rs.getBoolean(1));
            stateQuery = NamedSql.of(tables.render(
                    """
                    SELECT coalesce(s.n_dead_tup, 0) AS dead, coalesce(s.n_live_tup, 0) AS live,
                           pg_has_role(c.relowner, 'USAGE')%s AS maintain,
                           coalesce(has_function_privilege(
                               to_regprocedure('{outbox_event_reindex_if_empty}(integer)'), 'EXECUTE'), false)
                               AS reindex_function,
                           pg_relation_size(c.oid) AS heap, pg_indexes_size(c.oid) AS indexes
                    FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
                    WHERE c.oid = '{outbox_event}'::regclass
                    """.formatted(maintainPrivilege ? " OR has_table_privilege(c.oid, 'MAINTAIN')" : "")));
        }
        return stateQuery;
    }

    private boolean vacuumLocked(Connection connection) throws SQLException {
        var state = stateQuery(connection)
                .on(connection)
                .one(rs -> new TableState(
                        rs.getLong("dead"),
                        rs.getLong("live"),
                        rs.getBoolean("maintain"),
                        rs.getBoolean("reindex_function"),
                        rs.getLong("heap"),
                        rs.getLong("indexes")));
        if (!state.maintain()) {
            if (!notOwnerLogged) {
                notOwnerLogged = true;
                log.info(
                        "relay {}: the database user may not vacuum {} (neither its owner nor, on"
                                + " PostgreSQL 17+, granted MAINTAIN), so autovacuum alone keeps it small: set"
                                + " autovacuum_naptime to a few seconds on the server; its indexes are {}",
                        instanceId,
                        table,
                        state.reindexFunction()
                                ? "rebuilt through " + reindexFunctionName + " when the outbox is empty"
                                : "not rebuilt (no EXECUTE on " + reindexFunctionName + ")");
            }
            if (state.reindexFunction()
                    && state.indexBytes() >= REINDEX_MIN_BYTES
                    && System.nanoTime() - nextReindex >= 0) {
                reindexThroughFunction(connection);
            }
            return false;
        }
        boolean truncateDue = state.heapBytes() >= TRUNCATE_MIN_BYTES && System.nanoTime() - nextTruncate >= 0;
        boolean reindexDue = state.indexBytes() >= REINDEX_MIN_BYTES && System.nanoTime() - nextReindex >= 0;
        if ((truncateDue || reindexDue) && isEmpty.on(connection).one(rs -> rs.getBoolean(1))) {
            // The outbox is empty: the files can go back to (nearly) nothing if the locks are free now.
            if (reindexDue) {
                reindex(connection);
            }
            execute(connection, vacuumEmpty);
            long after = heapSize.on(connection).one(rs -> rs.getLong(1));
            if (after >= TRUNCATE_MIN_BYTES) {
                nextTruncate = System.nanoTime() + TRUNCATE_RETRY.toNanos();
            }
            log.debug(
                    "relay {}: outbox empty, vacuumed its file from {} to {} bytes",
                    instanceId,
                    state.heapBytes(),
                    after);
            return true;
        }
        if (state.dead() < threshold(state.live())) {
            return false;
        }
        execute(connection, vacuum);
        return true;
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /**
     * Rebuilds the empty outbox's indexes, which keep the size their largest backlog gave them: {@code REINDEX}
     * holds a {@code SHARE} lock on the table (writers wait) and an exclusive one on each index (the relay's reads
     * wait) for the few milliseconds it takes on an empty table, and waits at most {@link #REINDEX_LOCK_TIMEOUT} to
     * get them.
     */
    private void reindex(Connection connection) {
        try {
            // A transaction of its own, so that SET LOCAL ends with it; the connection is back in auto-commit after.
            connection.setAutoCommit(false);
            try {
                execute(connection, "SET LOCAL lock_timeout = '" + REINDEX_LOCK_TIMEOUT.toMillis() + "ms'");
                execute(connection, reindexTable);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
            nextReindex = System.nanoTime() + REINDEX_INTERVAL.toNanos();
        } catch (SQLException | RuntimeException e) {
            // Another transaction held a lock for longer: the indexes stay as they are until the next attempt.
            nextReindex = System.nanoTime() + TRUNCATE_RETRY.toNanos();
            log.debug("relay {}: outbox indexes not rebuilt: {}", instanceId, e.toString());
        }
    }

    /** The reindex of a database user that may not reindex the table itself: the owner's function does it. */
    private void reindexThroughFunction(Connection connection) {
        try {
            boolean rebuilt = reindexFunction
                    .on(connection)
                    .bind("timeout", (int) REINDEX_LOCK_TIMEOUT.toMillis())
                    .one(rs -> rs.getBoolean(1));
            // Not empty: look again soon; rebuilt: not before the interval.
            nextReindex = System.nanoTime() + (rebuilt ? REINDEX_INTERVAL : TRUNCATE_RETRY).toNanos();
        } catch (SQLException | RuntimeException e) {
            nextReindex = System.nanoTime() + TRUNCATE_RETRY.toNanos();
            log.debug("relay {}: outbox indexes not rebuilt: {}", instanceId, e.toString());
        }
    }

    /** Dead tuples that make a table of {@code live} live tuples due for a vacuum. */
    static long threshold(long live) {
        return Math.max(DEAD_TUPLES, (long) (live * SCALE_FACTOR));
    }

    @Override
    public void close() {
        task.close();
    }
}
