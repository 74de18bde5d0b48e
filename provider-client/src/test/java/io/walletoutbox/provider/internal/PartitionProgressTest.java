package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class PartitionProgressTest {
    private final PartitionProgress p = new PartitionProgress();

    @Test
    void commitsOnlyUpToTheLowestUnfinishedRecord() {
        assertEquals(OptionalLong.empty(), p.commitPosition());
        for (long o = 10; o <= 14; o++) {
            p.fetched(o);
        }
        p.finished(11);
        p.finished(12);
        assertEquals(OptionalLong.of(10), p.commitPosition(), "10 is unfinished");
        p.committed(10);
        assertEquals(OptionalLong.empty(), p.commitPosition(), "nothing new");
        p.finished(10);
        assertEquals(OptionalLong.of(13), p.commitPosition());
        p.finished(13);
        p.finished(14);
        assertEquals(OptionalLong.of(15), p.commitPosition());
    }

    @Test
    void abandonedRecordsAreNeverCommittedPast() throws InterruptedException {
        p.fetched(0);
        p.fetched(1);
        p.finished(1);
        p.abandoned(0);
        assertEquals(0, p.running());
        assertTrue(p.awaitIdle(System.nanoTime()));
        assertEquals(OptionalLong.of(0), p.commitPosition());
    }

    @Test
    void awaitIdleGivesUpAtTheDeadline() throws InterruptedException {
        p.fetched(5);
        assertFalse(p.awaitIdle(System.nanoTime() + 20_000_000L));
        Thread.ofVirtual().start(() -> p.finished(5));
        assertTrue(p.awaitIdle(System.nanoTime() + 5_000_000_000L));
    }
}
