package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.SimulatorFaults;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The simulator's fault knobs as they are now, and the draws that decide what one payment request suffers. The
 * rates are drawn from {@link ThreadLocalRandom}, each request on its own: a share, not a sequence to replay.
 */
final class SimulatorFaultState {
    private final AtomicInteger failNext = new AtomicInteger();
    private final AtomicInteger dropNext = new AtomicInteger();
    private volatile SimulatorFaults faults;
    private volatile boolean failStatus;
    private volatile Optional<String> declineReason = Optional.empty();

    SimulatorFaultState(SimulatorFaults initial) {
        this.faults = Objects.requireNonNull(initial, "faults");
    }

    SimulatorFaults faults() {
        return faults;
    }

    void faults(SimulatorFaults newFaults) {
        this.faults = Objects.requireNonNull(newFaults);
    }

    int failNext() {
        return failNext.get();
    }

    void failNext(int n) {
        failNext.set(Math.max(0, n));
    }

    int dropNext() {
        return dropNext.get();
    }

    void dropNext(int n) {
        dropNext.set(Math.max(0, n));
    }

    boolean failStatus() {
        return failStatus;
    }

    void failStatus(boolean failing) {
        failStatus = failing;
    }

    Optional<String> declineReason() {
        return declineReason;
    }

    void declineReason(Optional<String> reason) {
        declineReason = Objects.requireNonNull(reason, "reason");
    }

    /** Answer this request {@code 503}: one of the next {@code failNext}, or drawn at {@code errorRate}. */
    boolean fail(SimulatorFaults f) {
        return failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0
                || ThreadLocalRandom.current().nextDouble() < f.errorRate();
    }

    /** Hang this request without charging: drawn at {@code timeoutRate}. */
    boolean hang(SimulatorFaults f) {
        return ThreadLocalRandom.current().nextDouble() < f.timeoutRate();
    }

    /**
     * When this request, if its key is new, is to land late: {@code landAfterMs} after {@code arrived}, drawn at
     * {@code lateLandingRate}; empty to handle it now.
     */
    Optional<Instant> lateLanding(SimulatorFaults f, Instant arrived) {
        return ThreadLocalRandom.current().nextDouble() < f.lateLandingRate()
                ? Optional.of(arrived.plusMillis(f.landAfterMs()))
                : Optional.empty();
    }

    /** Drop this request's answer: one of the next {@code dropNext}, or drawn at {@code dropResponseRate}. */
    boolean drop(SimulatorFaults f) {
        return dropNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0
                || ThreadLocalRandom.current().nextDouble() < f.dropResponseRate();
    }
}
