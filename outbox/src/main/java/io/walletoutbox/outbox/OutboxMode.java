package io.walletoutbox.outbox;

/**
 * Where {@link OutboxWriter#append} puts an event; it must match the relay that reads them.
 *
 * <ul>
 *   <li>{@link #TABLE}: a row in {@code outbox_event}, which the polling relay publishes and deletes.
 *   <li>{@link #LOGICAL_MESSAGE}: a transactional logical decoding message ({@code pg_logical_emit_message}) with
 *       prefix {@link OutboxTables#messagePrefix()} ({@link #MESSAGE_PREFIX} for the default tables), which the CDC
 *       relay reads from the write-ahead log. No table is written, so
 *       nothing grows, is vacuumed or indexed: the WAL record is the outbox.
 * </ul>
 */
public enum OutboxMode {
    /** Rows in {@code outbox_event}, for the polling relay. */
    TABLE,
    /** Logical decoding messages in the WAL, for the CDC relay. */
    LOGICAL_MESSAGE;

    /**
     * Prefix of the logical decoding messages of the outbox in the {@link OutboxTables#DEFAULTS default tables}
     * (another schema or prefix has its own: {@link OutboxTables#messagePrefix()}).
     */
    public static final String MESSAGE_PREFIX = "walletoutbox.outbox";
}
