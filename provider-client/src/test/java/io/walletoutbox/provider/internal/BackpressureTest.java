package io.walletoutbox.provider.internal;

import static io.walletoutbox.provider.internal.Backpressure.Decision.PAUSE;
import static io.walletoutbox.provider.internal.Backpressure.Decision.RESUME;
import static io.walletoutbox.provider.internal.Backpressure.Decision.STAY;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BackpressureTest {

    @Test
    void heldRecordsDoNotCountAgainstTheInFlightBound() {
        assertEquals(PAUSE, Backpressure.decide(false, 10, 0, 10, 200), "ten active records reach the bound");
        assertEquals(STAY, Backpressure.decide(false, 100, 95, 10, 200), "95 held by a down biller, 5 active");
        assertEquals(PAUSE, Backpressure.decide(false, 105, 95, 10, 200), "ten active besides the held ones");
    }

    @Test
    void heldRecordsAreBoundedToo() {
        assertEquals(PAUSE, Backpressure.decide(false, 200, 200, 10, 200));
        assertEquals(STAY, Backpressure.decide(true, 199, 199, 10, 200), "not yet well below the bound");
        assertEquals(RESUME, Backpressure.decide(true, 190, 190, 10, 200));
    }

    @Test
    void resumesBelowHalfOfTheActiveBound() {
        assertEquals(STAY, Backpressure.decide(true, 8, 0, 10, 200));
        assertEquals(RESUME, Backpressure.decide(true, 5, 0, 10, 200));
        assertEquals(RESUME, Backpressure.decide(true, 50, 46, 10, 200), "four active");
    }
}
