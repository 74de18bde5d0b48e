package io.walletoutbox.relay.internal;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
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
 * tuples from {@code pg_stat_user_tables} and runs {@code VACUUM (SKIP_LOCKED) outbox_event} when they reach
 * {@link #DEAD_TUPLES}. A plain {@code VACUUM} takes no lock that blocks writers or the relay's reads and deletes.
 * A database user that does not own the table cannot vacuum it (PostgreSQL only warns); the relay then leaves it
 * to autovacuum and says so once in its log.
 */
public final class OutboxVacuum implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxVacuum.class);
    /** How often the table's dead tuples are looked at. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);
    /** Dead tuples that make the relay vacuum (the table's autovacuum threshold). */
    public static final long DEAD_TUPLES = 1_000;
    /** The advisory lock key that lets one relay at a time vacuum ("outbox v" in ASCII). */
    static final long LOCK_KEY = 0x6f7574626f782076L;

    private final Jdbi jdbi;
    private final String instanceId;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stop = lock.newCondition();
    private volatile boolean running;
    private Thread thread;
    private boolean notOwnerLogged;

    public OutboxVacuum(Jdbi jdbi, String instanceId) {
        this.jdbi = jdbi;
        this.instanceId = instanceId;
    }

    /** Starts the background (virtual) thread. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = Thread.ofVirtual().name("relay-" + instanceId + "-vacuum").start(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                vacuumIfNeeded();
            } catch (RuntimeException e) {
                if (running) {
                    log.debug("relay {}: outbox vacuum check failed: {}", instanceId, e.toString());
                }
            }
            pause(INTERVAL);
        }
    }

    /** One check: vacuums when this instance gets the lock and the table has enough dead tuples. */
    public boolean vacuumIfNeeded() {
        return jdbi.withHandle(handle -> {
            if (!handle.createQuery("SELECT pg_try_advisory_lock(:key)")
                    .bind("key", LOCK_KEY)
                    .mapTo(Boolean.class)
                    .one()) {
                return false;
            }
            try {
                return vacuumLocked(handle);
            } finally {
                handle.createQuery("SELECT pg_advisory_unlock(:key)")
                        .bind("key", LOCK_KEY)
                        .mapTo(Boolean.class)
                        .one();
            }
        });
    }

    private boolean vacuumLocked(Handle handle) {
        var row = handle.createQuery("""
                        SELECT s.n_dead_tup, pg_has_role(c.relowner, 'USAGE') AS owner
                        FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
                        WHERE c.oid = 'outbox_event'::regclass
                        """)
                .map((rs, ctx) -> new long[] {rs.getLong("n_dead_tup"), rs.getBoolean("owner") ? 1 : 0})
                .one();
        if (row[1] == 0) {
            if (!notOwnerLogged) {
                notOwnerLogged = true;
                log.info(
                        "relay {}: the database user does not own outbox_event, so the relay cannot vacuum it;"
                                + " set autovacuum_naptime to a few seconds on the server to keep the table small",
                        instanceId);
            }
            return false;
        }
        if (row[0] < DEAD_TUPLES) {
            return false;
        }
        handle.execute("VACUUM (SKIP_LOCKED) outbox_event");
        return true;
    }

    private void pause(Duration d) {
        lock.lock();
        try {
            long nanos = d.toNanos();
            while (running && nanos > 0) {
                nanos = stop.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            t = thread;
        }
        lock.lock();
        try {
            stop.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            t.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
