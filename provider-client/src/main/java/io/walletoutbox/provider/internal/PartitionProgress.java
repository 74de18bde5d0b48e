package io.walletoutbox.provider.internal;

import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The offsets of one assigned partition: which fetched records are unfinished, and so how far the partition may
 * be committed (up to its lowest unfinished record). Touched by the poll thread (dispatch, commit) and the
 * workers (finish), hence synchronized.
 */
final class PartitionProgress {
    private final TreeSet<Long> unfinished = new TreeSet<>();
    private int abandoned;
    private long next = -1; // one past the highest fetched offset
    private long committed = -1;
    private volatile boolean revoked;

    synchronized void fetched(long offset) {
        unfinished.add(offset);
        next = Math.max(next, offset + 1);
    }

    synchronized void finished(long offset) {
        unfinished.remove(offset);
        notifyAll();
    }

    /** The worker gave up on {@code offset} (revoked or closing): it stays unfinished and is never committed. */
    synchronized void abandoned(long offset) {
        abandoned++;
        notifyAll();
    }

    /** The position to commit, when it moved past the last commit. */
    synchronized OptionalLong commitPosition() {
        if (next < 0) {
            return OptionalLong.empty();
        }
        long position = unfinished.isEmpty() ? next : unfinished.first();
        return position > committed ? OptionalLong.of(position) : OptionalLong.empty();
    }

    synchronized void committed(long position) {
        committed = Math.max(committed, position);
    }

    /** Records still being worked on (neither finished nor abandoned). */
    synchronized int running() {
        return unfinished.size() - abandoned;
    }

    /** Waits until every record is finished or abandoned, or {@code deadlineNanos} (System.nanoTime) passes. */
    synchronized boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        while (unfinished.size() - abandoned > 0) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** The partition left this consumer (or the consumer is closing): workers stop taking its records. */
    void revoke() {
        revoked = true;
    }

    boolean revoked() {
        return revoked;
    }
}
