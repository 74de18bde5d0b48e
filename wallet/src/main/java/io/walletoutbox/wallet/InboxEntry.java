package io.walletoutbox.wallet;

import java.util.Objects;
import java.util.UUID;

/**
 * A consumer's processed-once record of one event (the outbox module's {@code inbox}, see {@code
 * io.walletoutbox.outbox.Inbox}), written in the same transaction as the work the event caused.
 *
 * @param consumer the consumer's name in the inbox (its group)
 * @param eventId the event's id
 */
public record InboxEntry(String consumer, UUID eventId) {
    public InboxEntry {
        Objects.requireNonNull(consumer, "consumer");
        if (consumer.isBlank()) {
            throw new IllegalArgumentException("consumer must not be blank");
        }
        Objects.requireNonNull(eventId, "eventId");
    }
}
