package io.walletoutbox.wallet.internal;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.ServerSideAppend;
import io.walletoutbox.wallet.IdempotencyKeys;
import io.walletoutbox.wallet.StoredResponse;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * The call of the server-side function {@code wallet_request_bill_payment} (migration {@code
 * V4__request_bill_payment_function.sql}): a whole idempotent bill-payment request in one statement, run in a
 * transaction of its own (autocommit), so in one round trip.
 */
final class BillPaymentFunction {
    private static final String SQL = """
            SELECT * FROM wallet_request_bill_payment(
                p_lock_class => :lockClass, p_lock_object => :lockObject, p_scope => :scope, p_key => :key,
                p_fingerprint => :fingerprint, p_retention_ms => :retentionMs,
                p_wallet => :wallet, p_owner => :owner, p_amount => :amount, p_day => :day, p_limit => :limit,
                p_bucket => :bucket, p_new_clearing => :newClearing,
                p_payment => :payment, p_transfer => :transfer, p_biller => :biller, p_customer_ref => :customerRef,
                p_now => CAST(:now AS timestamptz),
                p_outbox_mode => :outboxMode, p_outbox_prefix => :outboxPrefix, p_event_id => :eventId,
                p_shard => :shard, p_aggregate_type => :aggregateType, p_event_type => :eventType, p_topic => :topic,
                p_payload_before => :payloadBefore, p_payload_after => :payloadAfter,
                p_headers => CAST(:headers AS jsonb),
                p_status => :status, p_content_type => :contentType,
                p_body_before => :bodyBefore, p_body_after => :bodyAfter)
            """;

    /** What the function answered. */
    sealed interface Answer {}

    /** The payment was made in {@code currency}, leaving {@code balance}. */
    record Executed(String currency, long balance) implements Answer {}

    /** Nothing was written: an {@link IdempotencyKeys} answer other than executed. */
    record KeyAnswer(IdempotencyKeys.Result result) implements Answer {}

    /** Nothing was written: no such wallet of that owner. */
    record WalletNotFound() implements Answer {}

    /** Nothing was written: the balance is short. */
    record InsufficientFunds(long balance) implements Answer {}

    /** Nothing was written: the day's payments would pass the limit. */
    record DailyLimit(long spentToday) implements Answer {}

    /** The arguments of one call. */
    record Call(
            IdempotencyKeys.Request key,
            long retentionMs,
            UUID wallet,
            String owner,
            long amount,
            LocalDate day,
            long limit,
            int bucket,
            UUID payment,
            UUID transfer,
            String biller,
            String customerRef,
            java.time.Instant now,
            ServerSideAppend append,
            CurrencySplit payload,
            int status,
            String contentType,
            CurrencySplit body) {}

    private BillPaymentFunction() {}

    static Answer call(Jdbi jdbi, Call c) {
        OutboxEvent event = c.append().event();
        return jdbi.withHandle(h -> h.createQuery(SQL)
                .bind("lockClass", PostgresIdempotencyKeys.LOCK_CLASS)
                .bind(
                        "lockObject",
                        PostgresIdempotencyKeys.lockObject(
                                c.key().scope(), c.key().key()))
                .bind("scope", c.key().scope())
                .bind("key", c.key().key())
                .bind("fingerprint", c.key().fingerprint())
                .bind("retentionMs", c.retentionMs())
                .bind("wallet", c.wallet())
                .bind("owner", c.owner())
                .bind("amount", c.amount())
                .bind("day", c.day())
                .bind("limit", c.limit())
                .bind("bucket", c.bucket())
                .bind("newClearing", UUID.randomUUID())
                .bind("payment", c.payment())
                .bind("transfer", c.transfer())
                .bind("biller", c.biller())
                .bind("customerRef", c.customerRef())
                .bind("now", Timestamp.from(c.now()))
                .bind("outboxMode", c.append().mode().name())
                .bind("outboxPrefix", c.append().prefix())
                .bind("eventId", event.id())
                .bind("shard", c.append().shard())
                .bind("aggregateType", event.aggregateType())
                .bind("eventType", event.type())
                .bind("topic", event.topic())
                .bind("payloadBefore", c.payload().beforeText())
                .bind("payloadAfter", c.payload().afterText())
                .bind("headers", c.append().headers())
                .bind("status", c.status())
                .bind("contentType", c.contentType())
                .bind("bodyBefore", c.body().before())
                .bind("bodyAfter", c.body().after())
                .map((rs, ctx) -> switch (rs.getString("outcome")) {
                    case "EXECUTED" -> new Executed(rs.getString("wallet_currency"), rs.getLong("wallet_balance"));
                    case "IN_FLIGHT" -> new KeyAnswer(new IdempotencyKeys.InFlight());
                    case "REPLAYED" ->
                        new KeyAnswer(new IdempotencyKeys.Replayed(new StoredResponse(
                                rs.getInt("stored_status"),
                                rs.getString("stored_content_type"),
                                rs.getBytes("stored_body"))));
                    case "FINGERPRINT_MISMATCH" -> new KeyAnswer(new IdempotencyKeys.FingerprintMismatch());
                    case "WALLET_NOT_FOUND" -> new WalletNotFound();
                    case "INSUFFICIENT_FUNDS" -> new InsufficientFunds(rs.getLong("wallet_balance"));
                    case "DAILY_LIMIT" -> new DailyLimit(rs.getLong("spent_today"));
                    default -> throw new IllegalStateException("unknown outcome " + rs.getString("outcome"));
                })
                .one());
    }
}
