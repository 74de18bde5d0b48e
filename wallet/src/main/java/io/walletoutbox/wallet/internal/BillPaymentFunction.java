package io.walletoutbox.wallet.internal;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.ServerSideAppend;
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
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The call of the server-side function {@code wallet_request_bill_payment} (migration {@code
 * V4__request_bill_payment_function.sql}): a whole idempotent bill-payment request in one statement, run in a
 * transaction of its own (autocommit), so in one round trip. Plain JDBC with positional parameters: it is the
 * hot path of {@code POST /wallets/{id}/bill-payments}. Errors surface as Jdbi's exceptions ({@link
 * ConnectionException} when no connection could be had, {@link UnableToExecuteStatementException} otherwise, with the
 * {@link SQLException} as cause), as from every other method of the wallet.
 */
final class BillPaymentFunction {
    /**
     * Positional parameters (plain JDBC: binding 33 named parameters through Jdbi cost more than the round trip's
     * driver work), in the order {@link #bind} sets them; named notation keeps each one beside its name.
     */
    private static final String SQL = """
            SELECT outcome, wallet_currency, wallet_balance, spent_today, stored_status, stored_content_type,
                   stored_body
            FROM wallet_request_bill_payment(
                p_lock_class => ?, p_lock_object => ?, p_scope => ?, p_key => ?,
                p_fingerprint => ?, p_retention_ms => ?,
                p_wallet => ?, p_owner => ?, p_amount => ?, p_day => ?, p_limit => ?,
                p_bucket => ?, p_new_clearing => ?,
                p_payment => ?, p_transfer => ?, p_biller => ?, p_customer_ref => ?,
                p_now => ?,
                p_outbox_mode => ?, p_outbox_prefix => ?, p_event_id => ?,
                p_shard => ?, p_aggregate_type => ?, p_event_type => ?, p_topic => ?,
                p_payload_before => ?, p_payload_after => ?,
                p_headers => CAST(? AS jsonb),
                p_status => ?, p_content_type => ?,
                p_body_before => ?, p_body_after => ?)
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

    static Answer call(Connections connections, Call c) {
        return connections.with(connection -> {
            if (!connection.getAutoCommit()) {
                throw new IllegalStateException("the call runs in a transaction of its own (autocommit)");
            }
            try (PreparedStatement st = connection.prepareStatement(SQL)) {
                bind(st, c);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("wallet_request_bill_payment returned no row");
                    }
                    return answer(rs);
                }
            }
        });
    }

    private static void bind(PreparedStatement st, Call c) throws SQLException {
        OutboxEvent event = c.append().event();
        int i = 0;
        st.setInt(++i, PostgresIdempotencyKeys.LOCK_CLASS);
        st.setInt(
                ++i, PostgresIdempotencyKeys.lockObject(c.key().scope(), c.key().key()));
        st.setString(++i, c.key().scope());
        st.setString(++i, c.key().key());
        st.setString(++i, c.key().fingerprint());
        st.setLong(++i, c.retentionMs());
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
        st.setString(++i, c.append().mode().name());
        st.setString(++i, c.append().prefix());
        st.setObject(++i, event.id());
        st.setInt(++i, c.append().shard());
        st.setString(++i, event.aggregateType());
        st.setString(++i, event.type());
        st.setString(++i, event.topic());
        st.setString(++i, c.payload().beforeText());
        st.setString(++i, c.payload().afterText());
        st.setString(++i, c.append().headers());
        st.setInt(++i, c.status());
        st.setString(++i, c.contentType());
        st.setBytes(++i, c.body().before());
        st.setBytes(++i, c.body().after());
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
