package io.walletoutbox.outbox;

/**
 * Where {@link OutboxWriter#append} puts an event; it must match the relay that reads them.
 *
 * <ul>
 *   <li>{@link #TABLE}: a row in {@code outbox_event}, which the polling relay publishes and deletes.
 *   <li>{@link #LOGICAL_MESSAGE}: a transactional logical decoding message ({@code pg_logical_emit_message}) with
 *       prefix {@link #MESSAGE_PREFIX}, which the CDC relay reads from the write-ahead log. No table is written, so
 *       nothing grows, is vacuumed or indexed: the WAL record is the outbox.
 * </ul>
 */
public enum OutboxMode {
    /** Rows in {@code outbox_event}, for the polling relay. */
    TABLE,
    /** Logical decoding messages in the WAL, for the CDC relay. */
    LOGICAL_MESSAGE;

    /** Prefix of the outbox's logical decoding messages. */
    public static final String MESSAGE_PREFIX = "walletoutbox.outbox";
}
