package io.walletoutbox.provider.internal;

import java.time.Duration;
import java.util.Objects;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes inbox entries older than the retention, in short batches, except the bill-payment consumer's entry of an
 * event whose payment sits unresolved in {@code provider_reconciliation}: while an operator or the reconciliation
 * job has not settled it, the payment is still PENDING, and a redelivered event without its entry would be sent to
 * the biller again. Once the entry is resolved the payment is terminal, and a redelivery is only acknowledged.
 */
public final class InboxPurge {
    private static final Logger log = LoggerFactory.getLogger(InboxPurge.class);
    static final int BATCH = 5000;

    private InboxPurge() {}

    /** Runs the purge to the end; returns how many entries it deleted. */
    public static long purge(Jdbi jdbi, Duration retention) {
        Objects.requireNonNull(jdbi, "jdbi");
        Objects.requireNonNull(retention, "retention");
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention must be positive, was " + retention);
        }
        long total = 0;
        int deleted;
        do {
            // The cut-off from the database's clock, which wrote processed_at. SKIP LOCKED: two instances purging
            // at once share the work instead of waiting on, or deadlocking over, each other's rows. The kept rows
            // are matched by event id with NOT EXISTS, so an entry without an event id (NULL) keeps nothing.
            deleted = jdbi.withHandle(h -> h.createUpdate("""
                            DELETE FROM inbox WHERE (consumer, event_id) IN (
                                SELECT i.consumer, i.event_id FROM inbox i
                                WHERE i.processed_at < now() - :retentionMs * interval '1 millisecond'
                                  AND (i.consumer <> :consumer OR NOT EXISTS (
                                      SELECT 1 FROM provider_reconciliation r
                                      WHERE r.event_id = i.event_id AND r.resolved_at IS NULL))
                                LIMIT :batch
                                FOR UPDATE OF i SKIP LOCKED)
                            """)
                    .bind("retentionMs", retention.toMillis())
                    .bind("consumer", RecordProcessor.INBOX_CONSUMER)
                    .bind("batch", BATCH)
                    .execute());
            total += deleted;
        } while (deleted == BATCH);
        if (total > 0) {
            log.info("inbox entries purged count={} retention={}", total, retention);
        }
        return total;
    }
}
