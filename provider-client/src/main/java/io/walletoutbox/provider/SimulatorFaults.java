package io.walletoutbox.provider;

/**
 * Faults the biller simulator injects into {@code POST /v1/payments}; the names are those of {@code POST
 * /v1/faults} and, upper-cased, of the environment variables ({@code LATENCY_MS}, …).
 *
 * @param latencyMs added to every payment request before it is handled
 * @param errorRate share of requests answered {@code 503} without charging
 * @param timeoutRate share of requests that hang (no charge) until the simulator's hang time passes, then lose
 *     the connection: a client sees a timeout
 * @param dropResponseRate share of requests that charge (or replay) and then close the connection without an
 *     answer: the client cannot know the charge happened
 */
public record SimulatorFaults(long latencyMs, double errorRate, double timeoutRate, double dropResponseRate) {
    /** No faults. */
    public static final SimulatorFaults NONE = new SimulatorFaults(0, 0, 0, 0);

    public SimulatorFaults {
        if (latencyMs < 0 || latencyMs > 600_000) {
            throw new IllegalArgumentException("latencyMs must be 0..600000, was " + latencyMs);
        }
        checkRate("errorRate", errorRate);
        checkRate("timeoutRate", timeoutRate);
        checkRate("dropResponseRate", dropResponseRate);
    }

    private static void checkRate(String name, double rate) {
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException(name + " must be 0.0..1.0, was " + rate);
        }
    }
}
