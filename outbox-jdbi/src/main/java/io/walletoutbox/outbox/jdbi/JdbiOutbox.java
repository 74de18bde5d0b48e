package io.walletoutbox.outbox.jdbi;

import io.walletoutbox.outbox.Inbox;
import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.WriteGate;
import java.util.Objects;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * The outbox on Jdbi, one entry point: {@link #writer} and {@link #inbox} take a {@code Handle} in the caller's
 * transaction; {@link #admin} and {@link #dataSource} give the core's {@link DataSource} forms ({@link OutboxAdmin},
 * {@code OutboxModes}, {@code OutboxSchema}, {@code Inbox.purge}) connections of a {@link Jdbi}.
 */
public final class JdbiOutbox {
    private JdbiOutbox() {}

    /**
     * {@code writer} on Jdbi handles: {@link JdbiOutboxWriter#append} writes in the handle's transaction and runs
     * {@code writer}'s after-commit action ({@link OutboxWriter#committed()}) once that transaction commits.
     *
     * @param writer the core writer the appends go through
     * @return {@code writer} on Jdbi handles
     */
    public static JdbiOutboxWriter writer(OutboxWriter writer) {
        return new JdbiOutboxWriter(writer);
    }

    /**
     * The stock inbox ({@link Inbox#create()}) on Jdbi handles.
     *
     * @return the inbox on the default tables
     */
    public static JdbiInbox inbox() {
        return inbox(Inbox.create());
    }

    /**
     * {@code inbox} on Jdbi handles.
     *
     * @param inbox the core inbox, e.g. {@code Inbox.create(tables)} for an outbox in other tables
     * @return {@code inbox} on Jdbi handles
     */
    public static JdbiInbox inbox(Inbox inbox) {
        return new JdbiInbox(inbox);
    }

    /**
     * A {@link DataSource} whose connections are those of handles {@code jdbi} opens (closing one closes its
     * handle), for the core's methods that run transactions of their own: {@code OutboxModes.claim(dataSource(jdbi),
     * mode)}, {@code Inbox.purge}, {@link OutboxAdmin#create(DataSource, OutboxMode, WriteGate)}. It has no user
     * and password form and no log writer. Where the {@link DataSource} {@code jdbi} was made from is at hand, pass
     * that instead.
     *
     * @param jdbi opens the handles whose connections the data source hands out
     * @return a data source over {@code jdbi}
     */
    public static DataSource dataSource(Jdbi jdbi) {
        return new HandleDataSource(Objects.requireNonNull(jdbi, "jdbi"));
    }

    /**
     * The stock {@link OutboxAdmin} in {@code mode}, asking {@code gate} before a {@link OutboxMode#LOGICAL_MESSAGE}
     * retry, with its own transactions on {@code jdbi}'s connections. Its methods that take a {@code Connection}
     * run in a handle's transaction with {@code handle.getConnection()}.
     *
     * @param jdbi opens the handles for the admin's own transactions
     * @param mode the deployment's mode, which decides how a retry sends an event again
     * @param gate asked before a retry in {@link OutboxMode#LOGICAL_MESSAGE}
     * @return the admin, on the default tables
     */
    public static OutboxAdmin admin(Jdbi jdbi, OutboxMode mode, WriteGate gate) {
        return OutboxAdmin.create(dataSource(jdbi), mode, gate);
    }

    /**
     * {@link #admin(Jdbi, OutboxMode, WriteGate)} with a gate that never refuses.
     *
     * @param jdbi opens the handles for the admin's own transactions
     * @param mode the deployment's mode, which decides how a retry sends an event again
     * @return the admin, on the default tables
     */
    public static OutboxAdmin admin(Jdbi jdbi, OutboxMode mode) {
        return admin(jdbi, mode, WriteGate.OPEN);
    }
}
