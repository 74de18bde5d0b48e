package io.walletoutbox.outbox.testkit.internal;

import io.walletoutbox.outbox.testkit.SentRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The acknowledgements one kit saw, from every producer it handed out: in the order they came (a key's records are
 * acknowledged in the order sent), and by event id. Waiters are woken at each acknowledgement.
 */
public final class AckLog {
    private final List<SentRecord> records = new ArrayList<>();
    private final Set<UUID> ids = new HashSet<>();

    /** Adds an acknowledged record and wakes the waiters. */
    public synchronized void add(SentRecord record) {
        records.add(record);
        if (record.eventId() != null) {
            ids.add(record.eventId());
        }
        notifyAll();
    }

    /** How many acknowledgements were added so far (a mark for {@link #since}). */
    public synchronized int size() {
        return records.size();
    }

    /** The acknowledgements added after the {@code mark}-th. */
    public synchronized List<SentRecord> since(int mark) {
        return List.copyOf(records.subList(mark, records.size()));
    }

    /** Whether an acknowledgement of event {@code id} was added. */
    public synchronized boolean contains(UUID id) {
        return ids.contains(id);
    }

    /** Waits up to {@code timeout} for the next acknowledgement (or less, on a spurious wake-up). */
    public synchronized void awaitNext(Duration timeout) throws InterruptedException {
        long millis = Math.max(1, timeout.toMillis());
        wait(millis);
    }
}
