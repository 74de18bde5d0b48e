package io.walletoutbox.wallet.internal;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.wallet.IdempotencyKeys;
import io.walletoutbox.wallet.StoredResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import javax.sql.DataSource;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The calls of the bill payment's server-side functions (migrations {@code V4__request_bill_payment_function.sql}
 * and {@code V7__one_bill_payment_implementation.sql}), the one implementation of the payment request:
 *
 * <ul>
 *   <li>{@code wallet_request_bill_payment}, a whole idempotent request (key and payment) in one statement, run in a
 *       transaction of its own (autocommit), so in one round trip: the hot path of {@code POST
 *       /wallets/{id}/bill-payments};
 *   <li>{@code wallet_bill_payment}, the payment alone (the money movement the first one calls), on a caller's
 *       connection inside its open transaction.
 * </ul>
 *
 * Plain JDBC with positional parameters. Errors surface as Jdbi's exceptions ({@link ConnectionException} when no
 * connection could be had, {@link UnableToExecuteStatementException} otherwise, with the {@link SQLException} as
 * cause), as from every other method of the wallet.
 */
final class BillPaymentFunction {
    /** The payment's arguments, as {@link #bindPayment} sets them; named notation keeps each one beside its name. */
    private static final String PAYMENT_ARGUMENTS = """
                p_wallet => ?, p_owner => ?, p_amount => ?, p_day => ?, p_limit => ?,
                p_bucket => ?, p_new_clearing => ?,
                p_payment => ?, p_transfer => ?, p_biller => ?, p_customer_ref => ?,
                p_now => ?,
                p_outbox_mode => ?, p_outbox_prefix => ?, p_event_id => ?,
                p_shard => ?, p_aggregate_type => ?, p_event_type => ?, p_topic => ?,
                p_payload_before => ?, p_payload_after => ?,
                p_headers => CAST(? AS jsonb)""";
    /**
     * Positional parameters (plain JDBC: binding 33 named parameters through Jdbi cost more than the round trip's
     * driver work), in the order {@link #bind} sets them.
     */
    private static final String REQUEST_SQL = """
            SELECT outcome, wallet_currency, wallet_balance, spent_today, stored_status, stored_content_type,
                   stored_body
            FROM wallet_request_bill_payment(
                p_lock_class => ?, p_lock_object => ?, p_scope => ?, p_key => ?,
                p_fingerprint => ?, p_retention_ms => ?,
            """ + PAYMENT_ARGUMENTS + """
            ,
                p_status => ?, p_content_type => ?,
                p_body_before => ?, p_body_after => ?)
            """;
    /** The payment alone; the same columns, those of the key NULL. */
    private static final String PAYMENT_SQL = """
            SELECT outcome, wallet_currency, wallet_balance, spent_today, NULL::integer, NULL::text, NULL::bytea
            FROM wallet_bill_payment(
            """ + PAYMENT_ARGUMENTS + """
            )
            """;

    /** Where the call gets its connection: the pool itself, or a Jdbi handle's. */
    @FunctionalInterface
    interface Connections {
        /** Runs {@code call} on a connection in autocommit, returned to where it came from afterwards. */
        Answer with(SqlCall call);

        /** Straight from the pool (the connections Jdbi uses too). */
        static Connections of(DataSource pool) {
            return call -> {
                Connection c;
                try {
                    c = pool.getConnection();
                } catch (SQLException e) {
                    throw new ConnectionException(e);
                }
                try (c) {
                    return call.run(c);
                } catch (SQLException e) {
                    throw new UnableToExecuteStatementException("wallet_request_bill_payment failed", e, null);
                }
            };
        }

        /** Through a Jdbi handle, when no pool was given. */
        static Connections of(Jdbi jdbi) {
            return call -> jdbi.withHandle(h -> {
                try {
                    return call.run(h.getConnection());
                } catch (SQLException e) {
                    throw new UnableToExecuteStatementException("wallet_request_bill_payment failed", e, null);
                }
            });
        }
    }

    /** The JDBC work of one call. */
    @FunctionalInterface
    interface SqlCall {
        Answer run(Connection connection) throws SQLException;
    }

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

    /** The idempotency key of a whole request, and the response to store with it (its body split at the currency). */
    record Keyed(IdempotencyKeys.Request key, long retentionMs, int status, String contentType, CurrencySplit body) {}

    /**
     * The arguments of one call.
     *
     * @param keyed the key and its response; null for the payment alone (in the caller's transaction)
     * @param owner the wallet's owner, or null for any
     * @param payload the event's payload, split at the currency
     */
    record Call(
            Keyed keyed,
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
            EventAppend append,
            CurrencySplit payload) {}

    private BillPaymentFunction() {}

    /** The whole idempotent request ({@code c.keyed()} non-null), in a transaction of its own. */
    static Answer call(Connections connections, Call c) {
        return connections.with(connection -> {
            if (!connection.getAutoCommit()) {
                throw new IllegalStateException("the call runs in a transaction of its own (autocommit)");
            }
            return run(connection, c);
        });
    }

    /** The payment alone ({@code c.keyed()} null), in {@code handle}'s open transaction. */
    static Answer call(Handle handle, Call c) {
        try {
            return run(handle.getConnection(), c);
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException("wallet_bill_payment failed", e, null);
        }
    }

    private static Answer run(Connection connection, Call c) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(c.keyed() == null ? PAYMENT_SQL : REQUEST_SQL)) {
            bind(st, c);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("the bill payment's function returned no row");
                }
                return answer(rs);
            }
        }
    }

    private static void bind(PreparedStatement st, Call c) throws SQLException {
        Keyed k = c.keyed();
        int i = 0;
        if (k != null) {
            st.setInt(++i, PostgresIdempotencyKeys.LOCK_CLASS);
            st.setInt(
                    ++i,
                    PostgresIdempotencyKeys.lockObject(k.key().scope(), k.key().key()));
            st.setString(++i, k.key().scope());
            st.setString(++i, k.key().key());
            st.setString(++i, k.key().fingerprint());
            st.setLong(++i, k.retentionMs());
        }
        i = bindPayment(st, i, c);
        if (k != null) {
            st.setInt(++i, k.status());
            st.setString(++i, k.contentType());
            st.setBytes(++i, k.body().before());
            st.setBytes(++i, k.body().after());
        }
    }

    private static int bindPayment(PreparedStatement st, int i, Call c) throws SQLException {
        OutboxEvent event = c.append().event();
        st.setObject(++i, c.wallet());
        st.setString(++i, c.owner());
        st.setLong(++i, c.amount());
        st.setObject(++i, c.day());
        st.setLong(++i, c.limit());
        st.setInt(++i, c.bucket());
        st.setObject(++i, UUID.randomUUID());
        st.setObject(++i, c.payment());
        st.setObject(++i, c.transfer());
        st.setString(++i, c.biller());
        st.setString(++i, c.customerRef());
        st.setObject(++i, OffsetDateTime.ofInstant(c.now(), ZoneOffset.UTC));
        st.setString(++i, c.append().mode());
        st.setString(++i, c.append().prefix());
        st.setObject(++i, event.id());
        st.setInt(++i, c.append().shard());
        st.setString(++i, event.aggregateType());
        st.setString(++i, event.type());
        st.setString(++i, event.topic());
        st.setString(++i, c.payload().beforeText());
        st.setString(++i, c.payload().afterText());
        st.setString(++i, c.append().headers());
        return i;
    }

    private static Answer answer(ResultSet rs) throws SQLException {
        String outcome = rs.getString(1);
        return switch (outcome) {
            case "EXECUTED" -> new Executed(rs.getString(2), rs.getLong(3));
            case "IN_FLIGHT" -> new KeyAnswer(new IdempotencyKeys.InFlight());
            case "REPLAYED" ->
                new KeyAnswer(new IdempotencyKeys.Replayed(
                        new StoredResponse(rs.getInt(5), rs.getString(6), rs.getBytes(7))));
            case "FINGERPRINT_MISMATCH" -> new KeyAnswer(new IdempotencyKeys.FingerprintMismatch());
            case "WALLET_NOT_FOUND" -> new WalletNotFound();
            case "INSUFFICIENT_FUNDS" -> new InsufficientFunds(rs.getLong(3));
            case "DAILY_LIMIT" -> new DailyLimit(rs.getLong(4));
            default -> throw new IllegalStateException("unknown outcome " + outcome);
        };
    }
}
