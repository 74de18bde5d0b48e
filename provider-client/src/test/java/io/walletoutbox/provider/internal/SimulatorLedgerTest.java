package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.provider.internal.SimulatorLedger.PaymentRequest;
import io.walletoutbox.provider.internal.SimulatorLedger.Result;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
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
        assertEquals(1, ledger.charges(t0).size());
        assertEquals("k", ledger.charges(t0).getFirst().idempotencyKey());
    }

    @Test
    void sameKeyWithAnotherBodyIsAMismatch() {
        ledger.pay("k", req, t0);
        assertInstanceOf(Result.Mismatch.class, ledger.pay("k", new PaymentRequest("ACC-1", 2501, "USD"), t0));
        assertEquals(1, ledger.charges(t0).size());
    }

    @Test
    void declinesChargeNothingAndAreRemembered() {
        var r = assertInstanceOf(Result.Charged.class, ledger.pay("d", new PaymentRequest("DECLINE-7", 10, "USD"), t0));
        assertTrue(!r.answer().paid());
        assertInstanceOf(Result.Replayed.class, ledger.pay("d", new PaymentRequest("DECLINE-7", 10, "USD"), t0));
        assertEquals(0, ledger.charges(t0).size());
        assertTrue(ledger.find("d", t0).isPresent());
    }

    @Test
    void keysAreForgottenAfterTheRetentionWindow() {
        ledger.pay("k", req, t0);
        assertTrue(
                ledger.find("k", t0.plus(Duration.ofMinutes(10)).minusMillis(1)).isPresent());
        assertTrue(ledger.find("k", t0.plus(Duration.ofMinutes(10))).isEmpty());
        assertInstanceOf(Result.Charged.class, ledger.pay("k", req, t0.plus(Duration.ofMinutes(11))));
        assertEquals(
                2,
                ledger.charges(t0.plus(Duration.ofMinutes(11))).size(),
                "a key past retention charges anew, as a real biller would");
    }

    @Test
    void aHeldRequestIsInvisibleUntilItLandsThenChargesOnceAndReplays() {
        Instant landAt = t0.plusSeconds(5);
        var held = assertInstanceOf(Result.Held.class, ledger.pay("k", req, t0, Optional.empty(), Optional.of(landAt)));
        assertEquals(landAt, held.landAt());
        Instant justBefore = landAt.minusMillis(1);
        assertTrue(ledger.find("k", justBefore).isEmpty(), "before landing the key looks never charged");
        assertEquals(0, ledger.charges(justBefore).size());
        assertInstanceOf(Result.InProgress.class, ledger.pay("k", req, justBefore));
        assertInstanceOf(
                Result.InProgress.class,
                ledger.pay("k", new PaymentRequest("ACC-1", 9, "USD"), justBefore),
                "in progress whatever the body");
        assertInstanceOf(
                Result.InProgress.class,
                ledger.pay("k", req, justBefore, Optional.empty(), Optional.of(landAt.plusSeconds(60))),
                "a held key is never held twice");

        var landed = ledger.find("k", landAt).orElseThrow();
        assertTrue(landed.paid());
        assertEquals(landAt, landed.at(), "it counts as made when it landed");
        assertEquals(1, ledger.charges(landAt).size());
        assertEquals(landed.chargeId(), ledger.charges(landAt).getFirst().id());
        var replay = assertInstanceOf(Result.Replayed.class, ledger.pay("k", req, landAt.plusSeconds(1)));
        assertEquals(landed, replay.answer());
        assertEquals(1, ledger.charges(landAt.plusSeconds(1)).size());
    }

    @Test
    void heldRequestsLandInLandingOrderWhoeverLooksFirst() {
        ledger.pay("late", req, t0, Optional.empty(), Optional.of(t0.plusSeconds(9)));
        ledger.pay("early", req, t0.plusSeconds(1), Optional.empty(), Optional.of(t0.plusSeconds(2)));
        ledger.pay("now", req, t0.plusSeconds(3));
        assertEquals(
                java.util.List.of("early", "now"),
                ledger.charges(t0.plusSeconds(3)).stream()
                        .map(c -> c.idempotencyKey())
                        .toList());
        assertEquals(
                java.util.List.of("early", "now", "late"),
                ledger.charges(t0.plusSeconds(9)).stream()
                        .map(c -> c.idempotencyKey())
                        .toList());
    }

    @Test
    void aHeldDeclineLandsAsADeclineAndChargesNothing() {
        var decline = new PaymentRequest("DECLINE-7", 10, "USD");
        ledger.pay("d", decline, t0, Optional.of("closed account"), Optional.of(t0.plusSeconds(1)));
        var landed = ledger.find("d", t0.plusSeconds(1)).orElseThrow();
        assertTrue(!landed.paid());
        assertEquals("closed account", landed.declineReason());
        assertEquals(0, ledger.charges(t0.plusSeconds(1)).size());
    }

    @Test
    void anAnsweredKeyIsNeverHeld() {
        ledger.pay("k", req, t0);
        assertInstanceOf(
                Result.Replayed.class, ledger.pay("k", req, t0.plusSeconds(1), Optional.empty(), Optional.of(t0)));
    }
}
