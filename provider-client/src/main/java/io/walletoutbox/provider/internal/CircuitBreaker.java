package io.walletoutbox.provider.internal;

import java.time.Duration;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * A small circuit breaker: {@code threshold} consecutive failures open it; after {@code openFor} one probe request
 * is let through (half-open); its success closes the circuit, its failure opens it again. The clock is injected so
 * the state machine is tested without waiting.
 */
public final class CircuitBreaker {
    /** States, numbered as the {@code biller.circuit.state} gauge reports them. */
    public enum State {
        CLOSED,
        HALF_OPEN,
        OPEN
    }

    private final int threshold;
    private final long openForNanos;
    private final LongSupplier nanoClock;
    private final IntConsumer onTransition;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openedAt;
    private boolean probeInFlight;

    public CircuitBreaker(int threshold, Duration openFor, LongSupplier nanoClock, IntConsumer onTransition) {
        this.threshold = threshold;
        this.openForNanos = openFor.toNanos();
        this.nanoClock = nanoClock;
        this.onTransition = onTransition;
    }

    /** True when a request may be sent now; every true must be followed by {@link #success} or {@link #failure}. */
    public synchronized boolean tryAcquire() {
        switch (state) {
            case CLOSED -> {
                return true;
            }
            case OPEN -> {
                if (nanoClock.getAsLong() - openedAt < openForNanos) {
                    return false;
                }
                moveTo(State.HALF_OPEN);
                probeInFlight = true;
                return true;
            }
            case HALF_OPEN -> {
                if (probeInFlight) {
                    return false;
                }
                probeInFlight = true;
                return true;
            }
        }
        throw new AssertionError(state);
    }

    /** The request got an answer that shows the biller is up (2xx, 4xx). */
    public synchronized void success() {
        consecutiveFailures = 0;
        probeInFlight = false;
        if (state != State.CLOSED) {
            moveTo(State.CLOSED);
        }
    }

    /** The request failed in a way that suggests the biller is down (5xx, 429, timeout, connection error). */
    public synchronized void failure() {
        consecutiveFailures++;
        probeInFlight = false;
        if (state == State.HALF_OPEN || (state == State.CLOSED && consecutiveFailures >= threshold)) {
            openedAt = nanoClock.getAsLong();
            moveTo(State.OPEN);
        }
    }

    public synchronized State state() {
        return state;
    }

    private void moveTo(State next) {
        state = next;
        onTransition.accept(next.ordinal());
    }
}
