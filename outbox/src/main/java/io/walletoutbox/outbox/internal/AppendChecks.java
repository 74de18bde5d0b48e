package io.walletoutbox.outbox.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxException;
import java.util.Objects;
import org.jdbi.v3.core.Handle;

/** What every outbox writer does before it writes: check the caller's transaction, serialise the headers. */
final class AppendChecks {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AppendChecks() {}

    /**
     * Checks {@code handle} has an open transaction and returns the event's headers as a JSON object.
     *
     * @throws OutboxException.NoTransactionException when there is no open transaction
     */
    static String requireTransactionAndHeaders(Handle handle, OutboxEvent event) {
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(event, "event");
        if (!handle.isInTransaction()) {
            throw new OutboxException.NoTransactionException();
        }
        try {
            return JSON.writeValueAsString(event.headers());
        } catch (JsonProcessingException e) {
            throw new OutboxException("headers are not serialisable", e);
        }
    }
}
