package io.walletoutbox.provider;

import io.walletoutbox.provider.internal.SimulatorServer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Wi-Fi biller stand-in: an HTTP server with the contract of DESIGN.md ("Biller simulator"): idempotent
 * {@code POST /v1/payments}, {@code GET /v1/payments/{key}}, {@code GET /v1/charges}, {@code GET /v1/answers},
 * {@code GET /v1/requests} (the latest payment-route requests, with their {@code traceparent}), and fault
 * injection through {@code POST /v1/faults} ({@code latencyMs}, {@code errorRate}, {@code timeoutRate}, {@code
 * dropResponseRate}, {@code lateLandingRate}, {@code landAfterMs}: see {@link SimulatorFaults}; plus
 * {@code failNext} = N to answer the next N payment requests {@code 503}, {@code dropNext} = N to charge and drop
 * the next N answers, {@code failStatus} = true to answer status queries {@code 503}, and {@code requireApiKey} =
 * a key, or {@code null} for none; {@code GET /v1/faults} reports them all, and {@code apiKeyRequired} but never
 * the key). A bad value answers {@code 400}. While a request with a key is held for a late landing, another
 * {@code POST} with that key answers {@code 409} (in progress). State lives in memory: a restart forgets every
 * key, charge and held request.
 *
 * <p>When an API key is required ({@link SimulatorConfig#requiredApiKey}, {@link #requireApiKey}), the two
 * payment routes answer {@code 401} problem JSON with {@code WWW-Authenticate: Bearer} to a request without
 * {@code Authorization: Bearer <key>} or with another key (compared in constant time), before anything else
 * happens: nothing is charged or answered. The test endpoints ({@code /v1/charges}, {@code /v1/answers}, {@code
 * /v1/requests}, {@code /v1/faults}) need no key. It listens on {@link SimulatorConfig#bindAddress} (loopback by
 * default).
 */
public interface BillerSimulator extends AutoCloseable {

    /** Starts a simulator; returns once it accepts connections. */
    static BillerSimulator start(SimulatorConfig config) {
        return SimulatorServer.start(config);
    }

    /**
     * The {@code provider-sim} entry point: starts a simulator configured by the environment ({@link
     * SimulatorConfig#fromEnv}), prints where it listens, and blocks until the JVM is stopped. {@code args} are
     * {@code --NAME=value} overrides of the environment names (for example {@code --HTTP_PORT=9090}).
     */
    static void run(String[] args) {
        var env = new java.util.HashMap<>(System.getenv());
        for (String arg : args) {
            if (arg.startsWith("--") && arg.contains("=")) {
                int eq = arg.indexOf('=');
                env.put(
                        arg.substring(2, eq).toUpperCase(java.util.Locale.ROOT).replace('-', '_'),
                        arg.substring(eq + 1));
            }
        }
        BillerSimulator simulator = start(SimulatorConfig.fromEnv(Map.copyOf(env)));
        Runtime.getRuntime().addShutdownHook(new Thread(simulator::close, "biller-simulator-stop"));
        System.out.println("biller simulator listening on " + simulator.baseUrl()
                + (simulator.apiKeyRequired() ? " (API key required)" : ""));
        try {
            new java.util.concurrent.CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            simulator.close();
        }
    }

    /** The port it listens on. */
    int port();

    /**
     * {@code http://localhost:<port>} (bound to loopback, the default, or to every interface), else {@code
     * http://<bound address>:<port>}; without a trailing slash.
     */
    String baseUrl();

    /** Every charge made so far, in the order made (a late-landing one from its landing on). */
    List<BillerCharge> charges();

    /**
     * Every idempotency key answered and how often (paid or declined; 503s, dropped and timed-out requests do not
     * count), in the order keys were first answered; also served as {@code GET /v1/answers}. A payment asked again
     * after its outcome was recorded means the caller processed it twice.
     */
    List<AnsweredKey> answers();

    /**
     * The latest requests on the payment routes that passed the API key check (at most 10,000, oldest first), with
     * the {@code traceparent} header each carried; also served as {@code GET /v1/requests} ({@code
     * [{"method","idempotencyKey","traceparent","receivedAt"}]}, {@code traceparent} null when absent). For tests
     * that check the trace context a client propagates.
     */
    List<BillerRequest> requests();

    /** Replaces the injected faults. */
    void faults(SimulatorFaults faults);

    /** The faults now injected. */
    SimulatorFaults faults();

    /** Answers the next {@code n} payment requests {@code 503} without charging. */
    void failNext(int n);

    /** Charges (or replays) the next {@code n} payment requests and then drops their connections unanswered. */
    void dropNext(int n);

    /**
     * While {@code failing}, {@code GET /v1/payments/{key}} answers {@code 503} (also {@code "failStatus": true} in
     * {@code POST /v1/faults}): with the payment faults, a biller that can neither be paid nor asked.
     */
    void failStatus(boolean failing);

    /**
     * From now on, declines carry {@code reason} instead of {@code unknown customer <ref>} ({@link
     * Optional#empty()}: the default again); for tests of how clients clean a biller's text (any characters, any
     * length).
     */
    void declineReason(Optional<String> reason);

    /**
     * From now on, requires {@code key} on the payment routes ({@link Optional#empty()}: requires none); for tests
     * that make the biller refuse the client's credential for a while, then accept it again.
     *
     * @throws IllegalArgumentException when the key is blank or has spaces or control characters
     */
    void requireApiKey(Optional<String> key);

    /** True while the payment routes require an API key. */
    boolean apiKeyRequired();

    /**
     * Stops the server; requests hanging in a timeout or late-landing fault are released and dropped. Outcomes
     * held for a late landing are not dropped: they still land on time in this instance's memory ({@link
     * #charges()} shows them), though no route serves them any more.
     */
    @Override
    void close();
}
