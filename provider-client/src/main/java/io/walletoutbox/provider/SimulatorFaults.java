package io.walletoutbox.provider;

/**
 * Faults the biller simulator injects into {@code POST /v1/payments}; the names are those of {@code POST
 * /v1/faults} and, upper-cased, of the environment variables ({@code LATENCY_MS}, {@code LATE_LANDING_RATE}, …).
 *
 * @param latencyMs added to every payment request before it is handled (0..600000)
 * @param errorRate share of requests answered {@code 503} without charging
 * @param timeoutRate share of requests that hang (no charge) until the simulator's hang time passes, then lose
 *     the connection: a client sees a timeout
 * @param dropResponseRate share of requests that charge (or replay) and then close the connection without an
 *     answer: the client cannot know the charge happened
 * @param lateLandingRate share of requests with a new idempotency key that are held unanswered (like a timeout:
 *     for the hang time, then the connection is lost) while their outcome lands {@code landAfterMs} after the
 *     request arrived, whether or not the client is still there. Until it lands, {@code GET /v1/payments/{key}}
 *     answers {@code 404} as for a key never seen, {@code GET /v1/charges} does not show it, and another {@code
 *     POST} with the key answers {@code 409} (in progress, nothing charged); from then on the key is charged once
 *     (or declined, for a {@code DECLINE…} customer) and replays like any other. Drawn after the other faults
 *     spared the request
 * @param landAfterMs how long after its arrival a held request's outcome lands (0..600000)
 */
public record SimulatorFaults(
        long latencyMs,
        double errorRate,
        double timeoutRate,
        double dropResponseRate,
        double lateLandingRate,
        long landAfterMs) {
    /** No faults. */
    public static final SimulatorFaults NONE = new SimulatorFaults(0, 0, 0, 0, 0, 0);

    private static final long MAX_MS = 600_000;

    public SimulatorFaults {
        checkMillis("latencyMs", latencyMs);
        checkRate("errorRate", errorRate);
        checkRate("timeoutRate", timeoutRate);
        checkRate("dropResponseRate", dropResponseRate);
        checkRate("lateLandingRate", lateLandingRate);
        checkMillis("landAfterMs", landAfterMs);
    }

    /** Without late landing (the constructor before {@code lateLandingRate} and {@code landAfterMs} existed). */
    public SimulatorFaults(long latencyMs, double errorRate, double timeoutRate, double dropResponseRate) {
        this(latencyMs, errorRate, timeoutRate, dropResponseRate, 0, 0);
    }

    /** These faults with another {@link #lateLandingRate} and {@link #landAfterMs}. */
    public SimulatorFaults withLateLanding(double newLateLandingRate, long newLandAfterMs) {
        return new SimulatorFaults(
                latencyMs, errorRate, timeoutRate, dropResponseRate, newLateLandingRate, newLandAfterMs);
    }

    private static void checkMillis(String name, long ms) {
        if (ms < 0 || ms > MAX_MS) {
            throw new IllegalArgumentException(name + " must be 0.." + MAX_MS + ", was " + ms);
        }
    }

    private static void checkRate(String name, double rate) {
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException(name + " must be 0.0..1.0, was " + rate);
        }
    }
}
