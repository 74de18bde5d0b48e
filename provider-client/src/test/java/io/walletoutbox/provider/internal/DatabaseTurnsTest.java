package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.Conditions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DatabaseTurnsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aWaitingOutcomeGetsTheNextTurnBeforeEarlierChecks() throws Exception {
        var turns = new DatabaseTurns(1);
        turns.acquire(false);
        List<String> order = new CopyOnWriteArrayList<>();
        Thread check1 = waiter(turns, false, "check1", order);
        Conditions.await(WAIT, "check1 waits", () -> turns.waiting() == 1);
        Thread check2 = waiter(turns, false, "check2", order);
        Conditions.await(WAIT, "check2 waits", () -> turns.waiting() == 2);
        Thread outcome = waiter(turns, true, "outcome", order);
        Conditions.await(WAIT, "the outcome waits", () -> turns.waiting() == 3);

        turns.release();
        for (Thread t : List.of(check1, check2, outcome)) {
            t.join(WAIT.toMillis());
        }

        assertEquals(List.of("outcome", "check1", "check2"), order);
        assertEquals(1, turns.free());
    }

    @Test
    void turnsAreBoundedAndComeBack() throws Exception {
        var turns = new DatabaseTurns(2);
        turns.acquire(false);
        turns.acquire(true);
        assertEquals(0, turns.free());
        List<String> order = new CopyOnWriteArrayList<>();
        Thread third = waiter(turns, true, "third", order);
        Conditions.await(WAIT, "the third waits", () -> turns.waiting() == 1);
        assertTrue(order.isEmpty());

        turns.release();
        third.join(WAIT.toMillis());
        assertEquals(List.of("third"), order);
        turns.release();
        assertEquals(2, turns.free());
    }

    @Test
    void anInterruptedWaiterLeavesTheQueueAndTakesNoTurn() throws Exception {
        var turns = new DatabaseTurns(1);
        turns.acquire(false);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waiting = Thread.ofVirtual().start(() -> {
            try {
                turns.acquire(true);
            } catch (InterruptedException e) {
                failure.set(e);
            }
        });
        Conditions.await(WAIT, "it waits", () -> turns.waiting() == 1);
        waiting.interrupt();
        waiting.join(WAIT.toMillis());

        assertTrue(failure.get() instanceof InterruptedException);
        assertEquals(0, turns.waiting());
        turns.release();
        assertEquals(1, turns.free());
    }

    @Test
    void refusesNoTurns() {
        assertThrows(IllegalArgumentException.class, () -> new DatabaseTurns(0));
    }

    /** A thread that takes a turn, notes its name, and gives the turn back. */
    private static Thread waiter(DatabaseTurns turns, boolean outcome, String name, List<String> order) {
        return Thread.ofVirtual().start(() -> {
            try {
                turns.acquire(outcome);
            } catch (InterruptedException e) {
                return;
            }
            order.add(name);
            turns.release();
        });
    }
}
