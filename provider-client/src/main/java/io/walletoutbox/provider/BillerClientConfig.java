package io.walletoutbox.provider;

import static io.walletoutbox.provider.ConfigChecks.positive;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Configuration of the biller client, immutable; made by {@link #builder(URI)} and copied with changes through
 * {@link #toBuilder()}. Each value is documented on its {@link BillerClientConfigBuilder} method.
 */
public final class BillerClientConfig {

    /** The least default {@link #inFlightBound()}: 30 seconds. */
    public static final Duration MIN_DEFAULT_IN_FLIGHT_BOUND = Duration.ofSeconds(30);

    /** The default {@link #keyRetention()}: 24 hours. */
    public static final Duration DEFAULT_KEY_RETENTION = Duration.ofHours(24);

    /**
     * The default {@link #maxConnections()}: 256, room for 2,560 payments per second through a biller answering in
     * 100 ms (the consumer's own bound, {@link BillPaymentConsumerConfig#maxInFlight}, is 1,000).
     */
    public static final int DEFAULT_MAX_CONNECTIONS = 256;

    private final URI baseUrl;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final int breakerFailureThreshold;
    private final Duration breakerOpenFor;
    private final Optional<String> apiKey;
    private final Duration keyRetention;
    private final int maxConnections;
    private final Optional<Duration> inFlightBoundOverride;

    BillerClientConfig(BillerClientConfigBuilder b) {
        baseUrl = Objects.requireNonNull(b.baseUrl, "baseUrl");
        if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
            throw new IllegalArgumentException("baseUrl must be http(s), was " + baseUrl);
        }
        apiKey = Objects.requireNonNull(b.apiKey, "apiKey").map(ConfigChecks::apiKey);
        connectTimeout = positive("connectTimeout", b.connectTimeout);
        requestTimeout = positive("requestTimeout", b.requestTimeout);
        initialBackoff = positive("initialBackoff", b.initialBackoff);
        maxBackoff = positive("maxBackoff", b.maxBackoff);
        breakerOpenFor = positive("breakerOpenFor", b.breakerOpenFor);
        keyRetention = positive("keyRetention", b.keyRetention);
        inFlightBoundOverride = Optional.ofNullable(b.inFlightBound).map(d -> positive("inFlightBound", d));
        maxAttempts = b.maxAttempts;
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("maxAttempts must be 1..100, was " + maxAttempts);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must be at least initialBackoff");
        }
        breakerFailureThreshold = b.breakerFailureThreshold;
        if (breakerFailureThreshold < 1) {
            throw new IllegalArgumentException("breakerFailureThreshold must be positive");
        }
        maxConnections = b.maxConnections;
        if (maxConnections < 1 || maxConnections > 10_000) {
            throw new IllegalArgumentException("maxConnections must be 1..10000, was " + maxConnections);
        }
    }

    /**
     * A builder with the defaults: connect 2 s, request 5 s, 5 attempts, backoff 100 ms doubling to 2 s, circuit
     * opens after 20 consecutive failures for 5 s; no credential; keys remembered {@link #DEFAULT_KEY_RETENTION};
     * {@link #DEFAULT_MAX_CONNECTIONS} requests in flight; the default {@link #inFlightBound()}.
     *
     * @param baseUrl the biller, for example {@code http://localhost:8081}; http or https
     */
    public static BillerClientConfigBuilder builder(URI baseUrl) {
        return new BillerClientConfigBuilder(baseUrl);
    }

    /** A builder holding this configuration's values, to make a copy with some of them changed. */
    public BillerClientConfigBuilder toBuilder() {
        return new BillerClientConfigBuilder(this);
    }

    /** The biller ({@link #builder(URI)}). */
    public URI baseUrl() {
        return baseUrl;
    }

    /** TCP connect timeout ({@link BillerClientConfigBuilder#connectTimeout}). */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Time allowed for one request's answer ({@link BillerClientConfigBuilder#requestTimeout}). */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Requests per {@link BillerClient#pay} ({@link BillerClientConfigBuilder#maxAttempts}). */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Delay before the first retry ({@link BillerClientConfigBuilder#initialBackoff}). */
    public Duration initialBackoff() {
        return initialBackoff;
    }

    /** Cap of the delay between retries ({@link BillerClientConfigBuilder#maxBackoff}). */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** Consecutive failures that open the circuit ({@link BillerClientConfigBuilder#breakerFailureThreshold}). */
    public int breakerFailureThreshold() {
        return breakerFailureThreshold;
    }

    /** How long an open circuit refuses requests ({@link BillerClientConfigBuilder#breakerOpenFor}). */
    public Duration breakerOpenFor() {
        return breakerOpenFor;
    }

    /** The biller credential, if any ({@link BillerClientConfigBuilder#apiKey}); never shown by {@link #toString()}. */
    public Optional<String> apiKey() {
        return apiKey;
    }

    /** How long the biller remembers an idempotency key ({@link BillerClientConfigBuilder#keyRetention}). */
    public Duration keyRetention() {
        return keyRetention;
    }

    /** Requests to this biller in flight at once ({@link BillerClientConfigBuilder#maxConnections}). */
    public int maxConnections() {
        return maxConnections;
    }

    /** The in-flight bound set ({@link BillerClientConfigBuilder#inFlightBound}); empty: the default. */
    public Optional<Duration> inFlightBoundOverride() {
        return inFlightBoundOverride;
    }

    /**
     * How long after a charge attempt was sent the biller may still apply it (a request that timed out at this
     * client can land later): until then a {@code 404} to the status query proves nothing, an operator cannot
     * decline the payment, and the reconciliation job neither refunds it nor charges it again. The bound set
     * ({@link BillerClientConfigBuilder#inFlightBound}), else three times {@link #requestTimeout} and at least
     * {@link #MIN_DEFAULT_IN_FLIGHT_BOUND}.
     */
    public Duration inFlightBound() {
        return inFlightBoundOverride.orElseGet(() -> {
            Duration thrice = requestTimeout.multipliedBy(3);
            return thrice.compareTo(MIN_DEFAULT_IN_FLIGHT_BOUND) > 0 ? thrice : MIN_DEFAULT_IN_FLIGHT_BOUND;
        });
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BillerClientConfig c
                && baseUrl.equals(c.baseUrl)
                && connectTimeout.equals(c.connectTimeout)
                && requestTimeout.equals(c.requestTimeout)
                && maxAttempts == c.maxAttempts
                && initialBackoff.equals(c.initialBackoff)
                && maxBackoff.equals(c.maxBackoff)
                && breakerFailureThreshold == c.breakerFailureThreshold
                && breakerOpenFor.equals(c.breakerOpenFor)
                && apiKey.equals(c.apiKey)
                && keyRetention.equals(c.keyRetention)
                && maxConnections == c.maxConnections
                && inFlightBoundOverride.equals(c.inFlightBoundOverride);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                baseUrl,
                connectTimeout,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                breakerFailureThreshold,
                breakerOpenFor,
                apiKey,
                keyRetention,
                maxConnections,
                inFlightBoundOverride);
    }

    /** Every value, the credential shown only as {@code apiKey=<redacted>} or {@code apiKey=<none>}. */
    @Override
    public String toString() {
        return "BillerClientConfig[baseUrl=" + baseUrl + ", connectTimeout=" + connectTimeout + ", requestTimeout="
                + requestTimeout + ", maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff
                + ", maxBackoff=" + maxBackoff + ", breakerFailureThreshold=" + breakerFailureThreshold
                + ", breakerOpenFor=" + breakerOpenFor + ", apiKey=" + (apiKey.isPresent() ? "<redacted>" : "<none>")
                + ", keyRetention=" + keyRetention + ", maxConnections=" + maxConnections + ", inFlightBound="
                + inFlightBound() + "]";
    }
}
