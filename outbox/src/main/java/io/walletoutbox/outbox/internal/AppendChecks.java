package io.walletoutbox.outbox.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.WriteGate;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Objects;

/**
 * What every outbox writer does: check the caller's transaction, serialise the headers, bind the event's fields.
 */
final class AppendChecks {
    private static final ObjectMapper JSON = Json.MAPPER;

    private AppendChecks() {}

    /**
     * Checks {@code connection} has an open transaction (auto-commit off) and returns the event's headers as a JSON
     * object.
     *
     * @throws OutboxException.NoTransactionException when there is no open transaction
     * @throws OutboxException.WritesRefusedException when {@code gate} refuses
     */
    static String requireTransactionAndHeaders(Connection connection, OutboxEvent event, WriteGate gate)
            throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(event, "event");
        if (connection.getAutoCommit()) {
            throw new OutboxException.NoTransactionException();
        }
        requireOpen(gate);
        return headers(event);
    }

    /** The event's headers as a JSON object. */
    static String headers(OutboxEvent event) {
        try {
            return JSON.writeValueAsString(event.headers());
        } catch (JsonProcessingException e) {
            throw new OutboxException("headers are not serialisable", e);
        }
    }

    /** Throws {@link OutboxException.WritesRefusedException} when {@code gate} refuses. */
    static void requireOpen(WriteGate gate) {
        var refusal = gate.refusal();
        if (refusal.isPresent()) {
            throw new OutboxException.WritesRefusedException(refusal.get());
        }
    }

    /**
     * Binds the event's fields under the names every writer's statement uses ({@code :eventId}, {@code
     * :aggregateType}, {@code :aggregateId}, {@code :type}, {@code :topic}, {@code :payload} (the payload as text,
     * or null), {@code :payloadBytes} (the payload as bytes, or null: {@code text} decides which, the caller's {@link
     * OutboxEvent#storedAsText()}, asked once per append), {@code :contentType} (null for {@code application/json};
     * these two only where the statement uses them), {@code :headers} (the JSON of {@link
     * #requireTransactionAndHeaders}), {@code :createdAt}).
     */
    static NamedSql.Bound bindEvent(NamedSql.Bound statement, OutboxEvent event, String headers, boolean text) {
        return statement
                .bind("eventId", event.id())
                .bind("aggregateType", event.aggregateType())
                .bind("aggregateId", event.aggregateId())
                .bind("type", event.type())
                .bind("topic", event.topic())
                .bind("payload", text ? event.payloadText() : null)
                .bindIfUsed("payloadBytes", text ? null : event.payload())
                .bindIfUsed("contentType", OutboxEvent.JSON.equals(event.contentType()) ? null : event.contentType())
                .bind("headers", headers)
                .bind("createdAt", Timestamp.from(event.createdAt()));
    }
}
