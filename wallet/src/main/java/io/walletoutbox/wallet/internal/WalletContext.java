package io.walletoutbox.wallet.internal;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.wallet.WalletConfig;
import io.walletoutbox.wallet.WalletEvents;
import io.walletoutbox.wallet.WalletException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What the parts of {@link PostgresWallets} share: the database, the outbox writer, the configuration, the clock
 * that stamps rows, and the checks every entry point makes at the door.
 */
record WalletContext(Jdbi jdbi, OutboxWriter outbox, WalletConfig config, Clock clock) {
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    WalletContext {
        Objects.requireNonNull(jdbi, "jdbi");
        Objects.requireNonNull(outbox, "outbox");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
    }

    /** Microseconds, PostgreSQL's precision, so what is returned equals what is read back. */
    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** A wallet event on the configured topic; its aggregate (the wallet) decides the shard. */
    OutboxEvent event(UUID walletId, String type, String payload, Instant now) {
        return new OutboxEvent(
                UUID.randomUUID(),
                WalletEvents.AGGREGATE_TYPE,
                walletId.toString(),
                type,
                config.eventsTopic(),
                payload,
                Map.of(),
                now);
    }

    /** The day a payment made at {@code instant} counts for. */
    static LocalDate utcDay(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    static void requireTransaction(Handle handle) {
        Objects.requireNonNull(handle, "handle");
        if (!handle.isInTransaction()) {
            throw new IllegalStateException("this method joins the caller's transaction; the handle has none");
        }
    }

    static void requireTraceparent(String value) {
        if (!TRACEPARENT.matcher(value).matches() || value.startsWith("ff")) {
            throw new WalletException.InvalidField("traceparent is not a W3C traceparent value");
        }
    }

    static void requireLength(String value, String field, int max) {
        if (value.isBlank() || value.length() > max) {
            throw new WalletException.InvalidField(field + " must be 1 to " + max + " characters");
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
