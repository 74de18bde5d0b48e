package io.walletoutbox.outbox;

import io.walletoutbox.outbox.internal.PostgresOutboxModes;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The deployment's {@link OutboxMode}, recorded in the database (table {@code outbox_mode}, created by {@link
 * OutboxSchema#migrate}), so that instances cannot disagree: a writer in {@link OutboxMode#TABLE} next to one in
 * {@link OutboxMode#LOGICAL_MESSAGE} would leave half the events to a relay that does not run. Each method runs in a
 * transaction of its own on a connection of the given {@link DataSource}.
 */
public final class OutboxModes {
    private OutboxModes() {}

    /**
     * Records {@code mode} when the database has none yet (the first process to start), or checks it against the
     * recorded one. Call it at start, after {@link OutboxSchema#migrate} and before writing. Safe when several
     * processes start at once: one records, the others compare.
     *
     * @param dataSource the database, its outbox in the {@link OutboxTables#DEFAULTS default tables}
     * @param mode this process's mode
     * @throws OutboxException.ModeMismatchException when the database is recorded for another mode
     */
    public static void claim(DataSource dataSource, OutboxMode mode) {
        claim(dataSource, OutboxTables.DEFAULTS, mode);
    }

    /**
     * {@link #claim(DataSource, OutboxMode)} on the mode table of {@code tables}.
     *
     * @param dataSource the database
     * @param tables schema and table prefix of the outbox
     * @param mode this process's mode
     * @throws OutboxException.ModeMismatchException when the database is recorded for another mode
     */
    public static void claim(DataSource dataSource, OutboxTables tables, OutboxMode mode) {
        Objects.requireNonNull(mode, "mode");
        OutboxMode recorded = new PostgresOutboxModes(tables).claim(dataSource, mode);
        if (recorded != mode) {
            throw new OutboxException.ModeMismatchException(recorded, mode);
        }
    }

    /**
     * The recorded mode; empty before the first {@link #claim}.
     *
     * @param dataSource the database, its outbox in the default tables
     * @return the recorded mode
     */
    public static Optional<OutboxMode> recorded(DataSource dataSource) {
        return recorded(dataSource, OutboxTables.DEFAULTS);
    }

    /**
     * The mode recorded in the mode table of {@code tables}; empty before the first {@link #claim}.
     *
     * @param dataSource the database
     * @param tables schema and table prefix of the outbox
     * @return the recorded mode
     */
    public static Optional<OutboxMode> recorded(DataSource dataSource, OutboxTables tables) {
        return new PostgresOutboxModes(tables).recorded(dataSource);
    }

    /**
     * Records {@code mode} for the deployment on purpose (an operator's action, {@code ops} or a one-off tool):
     * afterwards only processes in {@code mode} start. Do it with every writer stopped, after the current mode's
     * relay has published everything; then start every instance in the new mode. Refuses while {@code
     * outbox_event} holds rows (a polling relay has not published them; it locks the table against inserts while
     * it checks). Leaving {@link OutboxMode#LOGICAL_MESSAGE} it cannot see what the replication slot has still to
     * deliver: wait for the CDC relay to confirm everything and drop the slot first (see {@code
     * docs/operations.md}). Parked events stay, and are retried in the new mode. Nothing happens when {@code mode}
     * is recorded already.
     *
     * @param dataSource the database, its outbox in the default tables
     * @param mode the new mode
     * @return the mode recorded before (empty when none was)
     * @throws OutboxException.ModeSwitchRefusedException when {@code outbox_event} is not empty
     */
    public static Optional<OutboxMode> switchTo(DataSource dataSource, OutboxMode mode) {
        return switchTo(dataSource, OutboxTables.DEFAULTS, mode);
    }

    /**
     * {@link #switchTo(DataSource, OutboxMode)} on the tables of {@code tables}.
     *
     * @param dataSource the database
     * @param tables schema and table prefix of the outbox
     * @param mode the new mode
     * @return the mode recorded before (empty when none was)
     * @throws OutboxException.ModeSwitchRefusedException when the outbox table is not empty
     */
    public static Optional<OutboxMode> switchTo(DataSource dataSource, OutboxTables tables, OutboxMode mode) {
        Objects.requireNonNull(mode, "mode");
        return new PostgresOutboxModes(tables).switchTo(dataSource, mode);
    }
}
