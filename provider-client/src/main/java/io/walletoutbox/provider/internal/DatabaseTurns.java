package io.walletoutbox.provider.internal;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The consumer's {@code maxDatabaseConcurrency} turns at the database, in two classes: a record that has its
 * biller's outcome (and so needs its turn to record it) goes before any record still waiting for its check before
 * the biller call; within a class, turns are given in arrival order. Finishing started payments first keeps a
 * record from queueing behind the whole in-flight window twice (once for its check, again for its outcome), which
 * is where a payment's time went when the database was the bottleneck (docs/biller-performance.md). Checks cannot
 * starve: outcomes come only from records that had their check.
 */
final class DatabaseTurns {
    private static final class Waiter {
        final Condition granted;
        boolean turn;

        Waiter(Condition granted) {
            this.granted = granted;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Waiter> outcomes = new ArrayDeque<>();
    private final ArrayDeque<Waiter> checks = new ArrayDeque<>();
    private int free;

    DatabaseTurns(int turns) {
        if (turns < 1) {
            throw new IllegalArgumentException("turns must be positive, was " + turns);
        }
        this.free = turns;
    }

    /** Waits for a turn; {@code outcome} puts the caller ahead of every waiting check. */
    void acquire(boolean outcome) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            if (free > 0 && outcomes.isEmpty() && (outcome || checks.isEmpty())) {
                free--;
                return;
            }
            Waiter me = new Waiter(lock.newCondition());
            ArrayDeque<Waiter> queue = outcome ? outcomes : checks;
            queue.add(me);
            try {
                while (!me.turn) {
                    me.granted.await();
                }
            } catch (InterruptedException e) {
                if (me.turn) {
                    handOn(); // granted as we were interrupted: pass the turn on
                } else {
                    queue.remove(me);
                }
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Gives the turn back (to the first waiting outcome, else the first waiting check). */
    void release() {
        lock.lock();
        try {
            handOn();
        } finally {
            lock.unlock();
        }
    }

    /** Turns free now, for tests. */
    int free() {
        lock.lock();
        try {
            return free;
        } finally {
            lock.unlock();
        }
    }

    /** Callers waiting for a turn, for tests. */
    int waiting() {
        lock.lock();
        try {
            return outcomes.size() + checks.size();
        } finally {
            lock.unlock();
        }
    }

    private void handOn() {
        Waiter next = outcomes.poll();
        if (next == null) {
            next = checks.poll();
        }
        if (next == null) {
            free++;
        } else {
            next.turn = true;
            next.granted.signal();
        }
    }

    /**
     * Runs {@code work} once a turn is free (an {@code outcome} ahead of every waiting check), and gives the turn
     * back. The wait has no timeout (unlike the connection pool's): records queue here instead of failing.
     */
    <T> T call(boolean outcome, java.util.function.Supplier<T> work) throws InterruptedException {
        acquire(outcome);
        try {
            return work.get();
        } finally {
            release();
        }
    }
}
