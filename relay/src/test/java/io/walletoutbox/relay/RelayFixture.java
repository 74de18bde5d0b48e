package io.walletoutbox.relay;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.jdbi.JdbiOutbox;
import io.walletoutbox.outbox.jdbi.JdbiOutboxWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * One fresh outbox database per test, a writer on its own pool, and cleanup of everything the test started
 * (relays, pools, brokers), newest first.
 */
final class RelayFixture implements AutoCloseable {
    final SharedInfrastructure infra = SharedInfrastructure.get();
    final String url;
    /** The writer's pool: what a polling relay takes ({@code PollingRelay.create}). */
    final HikariDataSource dataSource;
    /** The same pool through Jdbi, for the tests' own statements and for relays that take a Jdbi. */
    final Jdbi jdbi;

    final OutboxAdmin admin;
    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private volatile Runnable afterCommit = () -> {};
    final JdbiOutboxWriter writer;

    private final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong acked = new java.util.concurrent.atomic.AtomicLong();

    RelayFixture(String name) {
        this(name, OutboxMode.TABLE);
    }

    RelayFixture(String name, OutboxMode mode) {
        url = infra.newDatabase(name);
        HikariDataSource ds = pool("writer", 4);
        OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
        dataSource = ds;
        jdbi = Jdbi.create(ds);
        admin = OutboxAdmin.create(ds, mode);
        // Through the Jdbi adapter, as the service writes: the wake-up runs once a handle's transaction commits.
        writer = JdbiOutbox.writer(OutboxWriter.create(OutboxConfig.DEFAULTS, mode, () -> afterCommit.run()));
    }

    /** A pool of its own on the test database, closed with the fixture. */
    HikariDataSource pool(String name, int size) {
        var ds = TestPools.pool(url, size).name(name).open();
        closeables.push(ds);
        return ds;
    }

    /** Runs {@code hook} after each commit of the writer (e.g. a relay's wake-up). */
    void afterCommit(Runnable hook) {
        afterCommit = hook;
    }

    /** Registers {@code closeable} to close with the fixture (before what was registered earlier). */
    <T extends AutoCloseable> T register(T closeable) {
        closeables.push(closeable);
        return closeable;
    }

    /** Appends {@code events} in one transaction. */
    void append(List<OutboxEvent> events) {
        jdbi.useTransaction(h -> events.forEach(e -> appendIn(h, e)));
    }

    /** Appends {@code event} in {@code handle}'s open transaction (counted as written even if it rolls back). */
    void appendIn(Handle handle, OutboxEvent event) {
        writer.append(handle, event);
        written.incrementAndGet();
    }

    /** Events appended so far. */
    long written() {
        return written.get();
    }

    /** Acknowledgements reported by the relays started through {@link #countingAcks}, duplicates included. */
    long acked() {
        return acked.get();
    }

    /** {@code metrics}, also counting each acknowledgement in {@link #acked()}. */
    RelayMetrics countingAcks(RelayMetrics metrics) {
        return new RelayMetrics() {
            @Override
            public void batchClaimed(int size) {
                metrics.batchClaimed(size);
            }

            @Override
            public void published(Duration sinceCreated) {
                acked.incrementAndGet();
                metrics.published(sinceCreated);
            }

            @Override
            public void failed(boolean permanent) {
                metrics.failed(permanent);
            }

            @Override
            public void denied() {
                metrics.denied();
            }

            @Override
            public void parked() {
                metrics.parked();
            }

            @Override
            public void foreignTopic() {
                metrics.foreignTopic();
            }

            @Override
            public void unreadable() {
                metrics.unreadable();
            }

            @Override
            public void shardsOwned(int delta) {
                metrics.shardsOwned(delta);
            }
        };
    }

    long backlog() {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox_event")
                .mapTo(Long.class)
                .one());
    }

    long positionOf(OutboxEvent event) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT id FROM outbox_event WHERE event_id = :id UNION ALL SELECT id FROM outbox_parked WHERE event_id = :id")
                .bind("id", event.id())
                .mapTo(Long.class)
                .one());
    }

    /** Waits until {@code condition} holds; fails the test at the deadline. */
    static void await(BooleanSupplier condition, Duration timeout, String what) {
        io.walletoutbox.embedded.Conditions.await(timeout, what, condition);
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        while (!closeables.isEmpty()) {
            try {
                closeables.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
