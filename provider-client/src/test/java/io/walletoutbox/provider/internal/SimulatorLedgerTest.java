package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.provider.internal.SimulatorLedger.PaymentRequest;
import io.walletoutbox.provider.internal.SimulatorLedger.Result;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SimulatorLedgerTest {
    private final SimulatorLedger ledger = new SimulatorLedger(Duration.ofMinutes(10));
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final PaymentRequest req = new PaymentRequest("ACC-1", 2500, "USD");

    @Test
    void sameKeyReplaysWithoutASecondCharge() {
        var first = assertInstanceOf(Result.Charged.class, ledger.pay("k", req, t0));
        var again = assertInstanceOf(Result.Replayed.class, ledger.pay("k", req, t0.plusSeconds(5)));
        assertEquals(first.answer(), again.answer());
        assertEquals(1, ledger.charges().size());
        assertEquals("k", ledger.charges().getFirst().idempotencyKey());
    }

    @Test
    void sameKeyWithAnotherBodyIsAMismatch() {
        ledger.pay("k", req, t0);
        assertInstanceOf(Result.Mismatch.class, ledger.pay("k", new PaymentRequest("ACC-1", 2501, "USD"), t0));
        assertEquals(1, ledger.charges().size());
    }

    @Test
    void declinesChargeNothingAndAreRemembered() {
        var r = assertInstanceOf(Result.Charged.class, ledger.pay("d", new PaymentRequest("DECLINE-7", 10, "USD"), t0));
        assertTrue(!r.answer().paid());
        assertInstanceOf(Result.Replayed.class, ledger.pay("d", new PaymentRequest("DECLINE-7", 10, "USD"), t0));
        assertEquals(0, ledger.charges().size());
        assertTrue(ledger.find("d", t0).isPresent());
    }

    @Test
    void keysAreForgottenAfterTheRetentionWindow() {
        ledger.pay("k", req, t0);
        assertTrue(
                ledger.find("k", t0.plus(Duration.ofMinutes(10)).minusMillis(1)).isPresent());
        assertTrue(ledger.find("k", t0.plus(Duration.ofMinutes(10))).isEmpty());
        assertInstanceOf(Result.Charged.class, ledger.pay("k", req, t0.plus(Duration.ofMinutes(11))));
        assertEquals(2, ledger.charges().size(), "a key past retention charges anew, as a real biller would");
    }
}
