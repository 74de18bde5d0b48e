package io.walletoutbox.wallet.internal;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.wallet.InboxEntry;
import io.walletoutbox.wallet.OutcomeRecorded;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The call of the server-side function {@code wallet_record_outcome} (migration {@code
 * V5__record_outcome_function.sql}), the one implementation of a payment's outcome: with a consumer's inbox entry in a
 * transaction of its own (autocommit, one round trip), or without one in a caller's open transaction.
 */
final class OutcomeFunction {
    private static final String SQL = """
            SELECT outcome FROM wallet_record_outcome(
                p_inbox_consumer => :consumer, p_inbox_event => CAST(:inboxEvent AS uuid),
                p_payment => :payment, p_wallet => :wallet, p_paid => :paid,
                p_reference => :reference, p_reason => :reason, p_now => CAST(:now AS timestamptz),
                p_transfer => :transfer, p_bucket => :bucket, p_new_settlement => :newSettlement,
                p_outbox_mode => :outboxMode, p_outbox_prefix => :outboxPrefix, p_event_id => :eventId,
                p_shard => :shard, p_aggregate_type => :aggregateType, p_event_type => :eventType, p_topic => :topic,
                p_payload_tail => :payloadTail, p_headers => CAST(:headers AS jsonb))
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
        String outcome = handle.createQuery(SQL)
                .bind("consumer", c.inbox() == null ? null : c.inbox().consumer())
                .bind("inboxEvent", c.inbox() == null ? null : c.inbox().eventId())
                .bind("payment", c.payment())
                .bind("wallet", c.wallet())
                .bind("paid", c.paid())
                .bind("reference", c.reference())
                .bind("reason", c.reason())
                .bind("now", Timestamp.from(c.now()))
                .bind("transfer", UUID.randomUUID())
                .bind("bucket", c.bucket())
                .bind("newSettlement", UUID.randomUUID())
                .bind("outboxMode", c.append().mode())
                .bind("outboxPrefix", c.append().prefix())
                .bind("eventId", event.id())
                .bind("shard", c.append().shard())
                .bind("aggregateType", event.aggregateType())
                .bind("eventType", event.type())
                .bind("topic", event.topic())
                .bind("payloadTail", c.payloadTail())
                .bind("headers", c.append().headers())
                .mapTo(String.class)
                .one();
        return OutcomeRecorded.valueOf(outcome);
    }
}
