package io.walletoutbox.wallet.internal;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.ServerSideAppend;
import io.walletoutbox.wallet.InboxEntry;
import io.walletoutbox.wallet.OutcomeRecorded;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * The call of the server-side function {@code wallet_record_outcome} (migration {@code
 * V5__record_outcome_function.sql}): a consumer's inbox entry and a payment's outcome in one statement, run in a
 * transaction of its own (autocommit), so in one round trip.
 */
final class OutcomeFunction {
    private static final String SQL = """
            SELECT outcome FROM wallet_record_outcome(
                p_inbox_consumer => :consumer, p_inbox_event => :inboxEvent,
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

    /** The arguments of one call; {@code reference} for a paid outcome, {@code reason} for a declined one. */
    record Call(
            InboxEntry inbox,
            UUID payment,
            UUID wallet,
            boolean paid,
            String reference,
            String reason,
            Instant now,
            int bucket,
            ServerSideAppend append,
            String payloadTail) {}

    private OutcomeFunction() {}

    /** The function's answer; empty when the payment is of another wallet (nothing written). */
    static Optional<OutcomeRecorded> call(Jdbi jdbi, Call c) {
        OutboxEvent event = c.append().event();
        try {
            String outcome = jdbi.withHandle(h -> h.createQuery(SQL)
                    .bind("consumer", c.inbox().consumer())
                    .bind("inboxEvent", c.inbox().eventId())
                    .bind("payment", c.payment())
                    .bind("wallet", c.wallet())
                    .bind("paid", c.paid())
                    .bind("reference", c.reference())
                    .bind("reason", c.reason())
                    .bind("now", Timestamp.from(c.now()))
                    .bind("transfer", UUID.randomUUID())
                    .bind("bucket", c.bucket())
                    .bind("newSettlement", UUID.randomUUID())
                    .bind("outboxMode", c.append().mode().name())
                    .bind("outboxPrefix", c.append().prefix())
                    .bind("eventId", event.id())
                    .bind("shard", c.append().shard())
                    .bind("aggregateType", event.aggregateType())
                    .bind("eventType", event.type())
                    .bind("topic", event.topic())
                    .bind("payloadTail", c.payloadTail())
                    .bind("headers", c.append().headers())
                    .mapTo(String.class)
                    .one());
            return Optional.of(OutcomeRecorded.valueOf(outcome));
        } catch (JdbiException e) {
            if (WALLET_MISMATCH.equals(sqlState(e))) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The SQLSTATE of the first {@link SQLException} in {@code e}'s causes, or null. */
    static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql.getSQLState();
            }
        }
        return null;
    }
}
