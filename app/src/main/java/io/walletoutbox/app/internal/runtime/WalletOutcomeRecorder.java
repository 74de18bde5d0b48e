package io.walletoutbox.app.internal.runtime;

import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.LedgerPayment;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProviderException;
import io.walletoutbox.wallet.InboxEntry;
import io.walletoutbox.wallet.OutcomeRecorded;
import io.walletoutbox.wallet.PaymentOutcome;
import io.walletoutbox.wallet.WalletException;
import io.walletoutbox.wallet.Wallets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Definite biller outcomes → wallet outcomes, in the consumer's transaction; and the ledger's own word on what a
 * payment is (biller, customer reference, amount, currency, wallet, status), read from {@code bill_payment} on the
 * caller's handle. A payment the ledger does not know (another deployment's record, a forged one) and a value it
 * refuses are permanent failures of that record, never retried forever.
 */
record WalletOutcomeRecorder(Wallets wallets) implements OutcomeRecorder {
    private static final String PAYMENT_COLUMNS =
            "p.id, p.wallet_id, p.biller, p.customer_ref, p.amount, p.currency, p.created_at, p.status";
    private static final String CHECK = "SELECT EXISTS (SELECT 1 FROM inbox WHERE consumer = ?"
            + " AND event_id = CAST(? AS uuid)) AS processed,"
            + " EXISTS (SELECT 1 FROM provider_reconciliation WHERE payment_id = CAST(? AS uuid)) AS reconciling, "
            + PAYMENT_COLUMNS
            + " FROM (SELECT 1) one LEFT JOIN bill_payment p ON p.id = CAST(? AS uuid)";

    @Override
    public Optional<LedgerPayment> payment(Handle handle, UUID paymentId) {
        return handle.createQuery("SELECT " + PAYMENT_COLUMNS + " FROM bill_payment p WHERE p.id = :id")
                .bind("id", paymentId)
                .map((rs, ctx) -> payment(rs))
                .findOne();
    }

    @Override
    public List<LedgerPayment> stalePending(Handle handle, Instant createdBefore, int limit) {
        return handle.createQuery("SELECT " + PAYMENT_COLUMNS + """
                         FROM bill_payment p
                        WHERE p.status = 'PENDING' AND p.created_at < :before
                          AND NOT EXISTS (SELECT 1 FROM provider_reconciliation r WHERE r.payment_id = p.id)
                        ORDER BY p.created_at
                        LIMIT :limit""")
                .bind("before", OffsetDateTime.ofInstant(createdBefore, ZoneOffset.UTC))
                .bind("limit", limit)
                .map((rs, ctx) -> payment(rs))
                .list();
    }

    /**
     * The inbox check, the payment's row and whether it has a reconciliation entry in one statement on {@code
     * handle} (one round trip, one connection), answering as the statements of the default would.
     */
    @Override
    public Check check(Handle handle, String consumer, UUID eventId, UUID paymentId) {
        // Plain JDBC on the handle's connection, as the outcome's call (OutcomeFunction): one statement per payment.
        try (PreparedStatement s = handle.getConnection().prepareStatement(CHECK)) {
            s.setString(1, consumer);
            s.setObject(2, eventId);
            s.setObject(3, paymentId);
            s.setObject(4, paymentId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("the check answered no row");
                }
                if (rs.getBoolean("processed")) {
                    return new Check(Lookup.PROCESSED, Optional.empty());
                }
                if (rs.getObject("id") == null) {
                    return new Check(Lookup.NOT_FOUND, Optional.empty());
                }
                LedgerPayment payment = payment(rs);
                Lookup lookup = payment.status().terminal()
                        ? Lookup.SETTLED
                        : rs.getBoolean("reconciling") ? Lookup.IN_RECONCILIATION : Lookup.PENDING;
                return new Check(lookup, Optional.of(payment));
            }
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException(e, null);
        }
    }

    private static LedgerPayment payment(ResultSet rs) throws SQLException {
        return new LedgerPayment(
                rs.getObject("id", UUID.class),
                rs.getObject("wallet_id", UUID.class).toString(),
                rs.getString("biller"),
                rs.getString("customer_ref"),
                rs.getLong("amount"),
                rs.getString("currency"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                LedgerPayment.Status.valueOf(rs.getString("status")));
    }

    @Override
    public boolean paid(Handle handle, UUID paymentId, String reference) {
        return record(handle, paymentId, new PaymentOutcome.Paid(reference));
    }

    @Override
    public boolean declined(Handle handle, UUID paymentId, String reason) {
        return record(handle, paymentId, new PaymentOutcome.Declined(reason));
    }

    /** One round trip: the wallet's function writes the inbox entry with the outcome. */
    @Override
    public Recorded record(
            Jdbi jdbi, String consumer, UUID eventId, UUID paymentId, String walletId, BillerOutcome outcome) {
        UUID wallet;
        try {
            wallet = UUID.fromString(walletId);
        } catch (IllegalArgumentException | NullPointerException e) {
            return OutcomeRecorder.super.record(jdbi, consumer, eventId, paymentId, walletId, outcome);
        }
        PaymentOutcome definite = switch (outcome) {
            case BillerOutcome.Paid(var reference) -> new PaymentOutcome.Paid(reference);
            case BillerOutcome.Declined(var reason) -> new PaymentOutcome.Declined(reason);
            default -> throw new IllegalArgumentException("only a definite outcome is recorded, not " + outcome);
        };
        OutcomeRecorded recorded;
        try {
            recorded = wallets.recordOutcome(new InboxEntry(consumer, eventId), paymentId, wallet, definite);
        } catch (WalletException.PaymentNotFound e) {
            throw ProviderException.OutcomeRefused.unknownPayment(paymentId, e);
        } catch (WalletException.InvalidField | WalletException.AmountOutOfRange e) {
            throw ProviderException.OutcomeRefused.ledgerRefused(e.getMessage(), e);
        }
        return switch (recorded) {
            case RECORDED -> Recorded.CHANGED;
            case UNCHANGED -> Recorded.UNCHANGED;
            case DUPLICATE -> Recorded.DUPLICATE;
        };
    }

    private boolean record(Handle handle, UUID paymentId, PaymentOutcome outcome) {
        try {
            return wallets.recordOutcome(handle, paymentId, outcome);
        } catch (WalletException.PaymentNotFound e) {
            throw ProviderException.OutcomeRefused.unknownPayment(paymentId, e);
        } catch (WalletException.InvalidField | WalletException.AmountOutOfRange e) {
            throw ProviderException.OutcomeRefused.ledgerRefused(e.getMessage(), e);
        }
    }
}
