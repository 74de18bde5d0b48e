package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.LedgerPayment;
import java.time.Instant;
import java.util.UUID;

/** What is known of one record across its attempts. */
final class Progress {
    final Instant firstAttempt = Instant.now();
    final Instant published; // the record's timestamp: no attempt at it can be older
    Instant troubleSince; // first transient failure of the current spell; a configuration fault ends a spell
    PaymentEvent event; // once parsed
    LedgerPayment ledger; // once the ledger's check found the payment
    UUID eventId; // from ce_id, when it is a UUID
    boolean billerCalled;
    Instant lastAttempt; // when the latest biller call returned: no request of it was sent later
    int permanentAttempts;
    int failures;
    String traceparent; // the record's header, as it came (null: none)
    boolean duplicate; // the inbox had the event already: skipped (the span's walletoutbox.inbox.duplicate)

    Progress(long timestamp) {
        this.published = timestamp > 0 ? Instant.ofEpochMilli(timestamp) : null;
    }

    /**
     * The earliest moment a charge under this payment's key may have been made: the payment's creation in the
     * ledger (an attempt of another instance, or of a crashed run, may precede this record's processing).
     */
    Instant unprovenSince() {
        if (ledger != null) {
            return ledger.createdAt();
        }
        return published != null && published.isBefore(firstAttempt) ? published : firstAttempt;
    }
}
