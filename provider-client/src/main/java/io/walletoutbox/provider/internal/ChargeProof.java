package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.ReconciliationEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a biller's {@code 404} ("no payment under this key") proves that a payment was never charged, and when the
 * job may charge it again. Two windows must both be closed: the biller must still remember every attempt (its key
 * retention counts from the earliest attempt not yet proven absent), and no attempt may still be on its way (the
 * biller's in-flight bound counts from the latest attempt that may have been sent: a request that timed out at
 * the client can land later).
 *
 * @param retention the biller's key retention
 * @param inFlightBound the biller's in-flight bound
 */
record ChargeProof(Duration retention, Duration inFlightBound) {

    /** When a charge attempt under this entry's key can no longer land, if one still may at {@code now}. */
    Optional<Instant> inFlightUntil(ReconciliationEntry entry, Instant now) {
        return entry.lastAttemptAt().map(last -> last.plus(inFlightBound)).filter(until -> until.isAfter(now));
    }

    /** True when the biller still remembers every attempt that may have charged (or none was ever made). */
    boolean withinRetention(Optional<Instant> unprovenSince, Instant now) {
        return unprovenSince.map(since -> !now.minus(retention).isAfter(since)).orElse(true);
    }

    /** True when a 404 at {@code now} proves that no attempt under this key charged or ever will. */
    boolean provesUncharged(ReconciliationEntry entry, Optional<Instant> unprovenSince, Instant now) {
        return withinRetention(unprovenSince, now) && inFlightUntil(entry, now).isEmpty();
    }

    /**
     * True when the job may charge again with the same key at {@code now}: the whole in-flight window of the new
     * attempt ends before the biller forgets the key (retention counted from the first attempt).
     */
    boolean mayChargeAgain(ReconciliationEntry entry, Instant now) {
        return now.plus(inFlightBound).isBefore(entry.firstAttemptAt().plus(retention));
    }
}
