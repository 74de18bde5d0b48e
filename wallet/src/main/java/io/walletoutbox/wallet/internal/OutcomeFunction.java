package io.walletoutbox.wallet.internal;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.wallet.InboxEntry;
import io.walletoutbox.wallet.OutcomeRecorded;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The call of the server-side function {@code wallet_record_outcome} (migration {@code
 * V5__record_outcome_function.sql}), the one implementation of a payment's outcome: with a consumer's inbox entry in a
 * transaction of its own (autocommit, one round trip), or without one in a caller's open transaction.
 */
final class OutcomeFunction {
    // Positional parameters, bound by plain JDBC on the handle's connection: the consumer makes this call once a
    // payment, and Jdbi's binding of twenty named arguments was a tenth of the service's Java samples in a consumer
    // drain (docs/biller-performance.md, "The outcome call without Jdbi's binding").
    private static final String SQL = """
            SELECT outcome FROM wallet_record_outcome(
                p_inbox_consumer => CAST(? AS text), p_inbox_event => CAST(? AS uuid),
                p_payment => CAST(? AS uuid), p_wallet => CAST(? AS uuid), p_paid => CAST(? AS boolean),
                p_reference => CAST(? AS text), p_reason => CAST(? AS text), p_now => CAST(? AS timestamptz),
                p_transfer => CAST(? AS uuid), p_bucket => CAST(? AS integer), p_new_settlement => CAST(? AS uuid),
                p_outbox_mode => CAST(? AS text), p_outbox_prefix => CAST(? AS text), p_event_id => CAST(? AS uuid),
                p_shard => CAST(? AS integer), p_aggregate_type => CAST(? AS text), p_event_type => CAST(? AS text),
                p_topic => CAST(? AS text), p_payload_tail => CAST(? AS text), p_headers => CAST(? AS jsonb))
            """;
    /** SQLSTATE of a missing payment (no_data_found). */
    static final String NOT_FOUND = "P0002";
    /** SQLSTATE of a pending payment of another wallet than the caller said. */
    static final String WALLET_MISMATCH = "WOWAL";

    /**
     * The arguments of one call; {@code reference} for a paid outcome, {@code reason} for a declined one.
     *
     * @param inbox the consumer's processed-once entry, or null for none
     */
    record Call(
            InboxEntry inbox,
            UUID payment,
            UUID wallet,
            boolean paid,
            String reference,
            String reason,
            Instant now,
            int bucket,
            EventAppend append,
            String payloadTail) {}

    private OutcomeFunction() {}

    /**
     * The function's answer, on {@code handle} (in autocommit, or inside its transaction). Errors are Jdbi's: with
     * SQLSTATE {@value #NOT_FOUND} for a missing payment, {@value #WALLET_MISMATCH} for one of another wallet than
     * {@code c.wallet()}, {@value EventAppend#REFUSED} when the event's writer refused.
     */
    static OutcomeRecorded call(Handle handle, Call c) {
        OutboxEvent event = c.append().event();
        try (PreparedStatement s = handle.getConnection().prepareStatement(SQL)) {
            s.setString(1, c.inbox() == null ? null : c.inbox().consumer());
            s.setObject(2, c.inbox() == null ? null : c.inbox().eventId());
            s.setObject(3, c.payment());
            s.setObject(4, c.wallet());
            s.setBoolean(5, c.paid());
            s.setString(6, c.reference());
            s.setString(7, c.reason());
            s.setTimestamp(8, Timestamp.from(c.now()));
            s.setObject(9, UUID.randomUUID());
            s.setInt(10, c.bucket());
            s.setObject(11, UUID.randomUUID());
            s.setString(12, c.append().mode());
            s.setString(13, c.append().prefix());
            s.setObject(14, event.id());
            s.setInt(15, c.append().shard());
            s.setString(16, event.aggregateType());
            s.setString(17, event.type());
            s.setString(18, event.topic());
            s.setString(19, c.payloadTail());
            s.setString(20, c.append().headers());
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("wallet_record_outcome answered no row");
                }
                return OutcomeRecorded.valueOf(rs.getString(1));
            }
        } catch (SQLException e) {
            // Jdbi's exception, as every other statement of the wallet raises: callers read its SQLSTATE.
            throw new UnableToExecuteStatementException(e, null);
        }
    }
}
