package io.walletoutbox.provider;

import io.walletoutbox.provider.internal.InboxPurge;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;

/**
 * Retention of the inbox (the processed event ids the consumers de-duplicate by) in a deployment that runs the
 * bill-payment consumer. Use it instead of {@code Inbox.purge}, which knows nothing of reconciliation.
 */
public final class InboxRetention {
    private InboxRetention() {}

    /**
     * Deletes, in short transactions of its own on {@code jdbi} (batches of a few thousand rows), the inbox entries
     * of every consumer processed more than {@code retention} ago, by the database's clock, and returns how many.
     * It never deletes the bill-payment consumer's entry of an event that is the event of an unresolved
     * reconciliation entry: that payment is still PENDING, and its event, redelivered without the entry, would be
     * sent to the biller again. The entry goes at the first purge after the reconciliation entry is resolved (the
     * payment is terminal then: a redelivery is only acknowledged). Logs one INFO line with the count when it
     * deleted any. Safe to run from several instances at once (they share the rows, none waits for another).
     * Keep {@code retention} longer than the topic's retention: any other redelivered event whose id was purged
     * would be processed again.
     *
     * @throws IllegalArgumentException when {@code retention} is zero or negative
     */
    public static long purge(Jdbi jdbi, Duration retention) {
        return InboxPurge.purge(jdbi, retention);
    }
}
