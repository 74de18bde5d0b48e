package io.walletoutbox.app.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.outbox.OutboxAdmin.DiscardedEvent;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;

/** The payment a discarded event asked to be paid: the {@code paymentId} of a {@code BillPaymentRequested}. */
final class DiscardedPayments {
    static final String REQUESTED = "BillPaymentRequested";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DiscardedPayments() {}

    /** The payment of {@code event} when it is a {@code BillPaymentRequested} naming one; else empty. */
    static Optional<UUID> paymentOf(DiscardedEvent event) {
        if (!REQUESTED.equals(event.type())) {
            return Optional.empty();
        }
        try {
            JsonNode id = JSON.readTree(event.payload()).get("paymentId");
            return id != null && id.isTextual() ? Optional.of(UUID.fromString(id.asText())) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
