package io.walletoutbox.provider;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Configuration of the biller client.
 *
 * @param baseUrl the biller, for example {@code http://localhost:8081}
 * @param connectTimeout TCP connect timeout
 * @param requestTimeout time allowed for one request's answer; past it the request counts as ambiguous
 * @param maxAttempts requests per {@link BillerClient#pay} (1 = no retry)
 * @param initialBackoff delay before the first retry; doubles per retry, with jitter
 * @param maxBackoff cap of the delay between retries
 * @param breakerFailureThreshold consecutive failed requests that open the circuit
 * @param breakerOpenFor how long an open circuit refuses requests before letting one probe through
 * @param apiKey the biller credential; when present, every request to the biller (payments and status queries)
 *     carries {@code Authorization: Bearer <apiKey>}. Printable ASCII without spaces. {@link #toString()} never
 *     shows it, and no error message of this module contains it. A biller answering {@code 401}/{@code 403} is a
 *     {@link BillerOutcome.ConfigurationFault}.
 * @param keyRetention how long the biller remembers an idempotency key (its answer to a repeated key): while a
 *     payment's first attempt is younger than this, a {@code 404} to the status query proves nothing was charged
 *     and the reconciliation job charges again with the same key; once it has passed, a payment the biller has no
 *     record of is failed and refunded instead (see {@link ReconciliationJob}). Default 24 hours
 * @param maxConnections requests to this biller in flight at once (HTTP/1.1: one connection each, so this bounds
 *     the client's connection pool too); a call beyond it waits for a free slot before anything is sent. Sized
 *     for throughput: a biller answering in {@code L} ms allows about {@code maxConnections × 1000 / L} payments
 *     per second. Default {@value #DEFAULT_MAX_CONNECTIONS}
 * @param inFlightBoundOverride the biller's in-flight bound when set ({@code <id>.in-flight-bound}); empty: the
 *     default of {@link #inFlightBound()}
 */
public record BillerClientConfig(
        URI baseUrl,
        Duration connectTimeout,
        Duration requestTimeout,
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        int breakerFailureThreshold,
        Duration breakerOpenFor,
        Optional<String> apiKey,
        Duration keyRetention,
        int maxConnections,
        Optional<Duration> inFlightBoundOverride) {

    /** The least default {@link #inFlightBound()}: 30 seconds. */
    public static final Duration MIN_DEFAULT_IN_FLIGHT_BOUND = Duration.ofSeconds(30);

    /** The {@link #keyRetention} of {@link #defaults}: 24 hours. */
    public static final Duration DEFAULT_KEY_RETENTION = Duration.ofHours(24);

    /**
     * The {@link #maxConnections} of {@link #defaults}: 256, room for 2,560 payments per second through a biller
     * answering in 100 ms (the consumer's own bound, {@link BillPaymentConsumerConfig#maxInFlight}, is 1,000).
     */
    public static final int DEFAULT_MAX_CONNECTIONS = 256;

    public BillerClientConfig {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(apiKey, "apiKey");
        apiKey.ifPresent(BillerClientConfig::checkApiKey);
        if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
            throw new IllegalArgumentException("baseUrl must be http(s), was " + baseUrl);
        }
        positive("connectTimeout", connectTimeout);
        positive("requestTimeout", requestTimeout);
        positive("initialBackoff", initialBackoff);
        positive("maxBackoff", maxBackoff);
        positive("breakerOpenFor", breakerOpenFor);
        positive("keyRetention", keyRetention);
        Objects.requireNonNull(inFlightBoundOverride, "inFlightBoundOverride");
        inFlightBoundOverride.ifPresent(b -> positive("inFlightBound", b));
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("maxAttempts must be 1..100, was " + maxAttempts);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must be at least initialBackoff");
        }
        if (breakerFailureThreshold < 1) {
            throw new IllegalArgumentException("breakerFailureThreshold must be positive");
        }
        if (maxConnections < 1 || maxConnections > 10_000) {
            throw new IllegalArgumentException("maxConnections must be 1..10000, was " + maxConnections);
        }
    }

    /** A configuration with the default {@link #inFlightBound()} (the constructor before it existed). */
    public BillerClientConfig(
            URI baseUrl,
            Duration connectTimeout,
            Duration requestTimeout,
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff,
            int breakerFailureThreshold,
            Duration breakerOpenFor,
            Optional<String> apiKey,
            Duration keyRetention,
            int maxConnections) {
        this(
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
                Optional.empty());
    }

    /**
     * How long after a charge attempt was sent the biller may still apply it (a request that timed out at this
     * client can land later): until then a {@code 404} to the status query proves nothing, an operator cannot
     * decline the payment, and the reconciliation job neither refunds it nor charges it again. The override when
     * set, else three times {@link #requestTimeout} and at least {@link #MIN_DEFAULT_IN_FLIGHT_BOUND}.
     */
    public Duration inFlightBound() {
        return inFlightBoundOverride.orElseGet(() -> {
            Duration thrice = requestTimeout.multipliedBy(3);
            return thrice.compareTo(MIN_DEFAULT_IN_FLIGHT_BOUND) > 0 ? thrice : MIN_DEFAULT_IN_FLIGHT_BOUND;
        });
    }

    /** This configuration with another {@link #inFlightBound()}. */
    public BillerClientConfig withInFlightBound(Duration bound) {
        return new BillerClientConfig(
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
                Optional.of(bound));
    }

    /** A configuration with the default {@link #maxConnections} (the constructor before it existed). */
    public BillerClientConfig(
            URI baseUrl,
            Duration connectTimeout,
            Duration requestTimeout,
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff,
            int breakerFailureThreshold,
            Duration breakerOpenFor,
            Optional<String> apiKey,
            Duration keyRetention) {
        this(
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
                DEFAULT_MAX_CONNECTIONS);
    }

    /** A configuration with the default key retention (the constructor before {@code keyRetention} existed). */
    public BillerClientConfig(
            URI baseUrl,
            Duration connectTimeout,
            Duration requestTimeout,
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff,
            int breakerFailureThreshold,
            Duration breakerOpenFor,
            Optional<String> apiKey) {
        this(
                baseUrl,
                connectTimeout,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                breakerFailureThreshold,
                breakerOpenFor,
                apiKey,
                DEFAULT_KEY_RETENTION);
    }

    /** A configuration without a credential (the constructor before {@code apiKey} existed). */
    public BillerClientConfig(
            URI baseUrl,
            Duration connectTimeout,
            Duration requestTimeout,
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff,
            int breakerFailureThreshold,
            Duration breakerOpenFor) {
        this(
                baseUrl,
                connectTimeout,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                breakerFailureThreshold,
                breakerOpenFor,
                Optional.empty());
    }

    /**
     * Connect 2 s, request 5 s, 5 attempts, backoff 100 ms doubling to 2 s, circuit opens after 20 consecutive
     * failures for 5 s; no credential; keys remembered 24 hours; 256 requests in flight.
     */
    public static BillerClientConfig defaults(URI baseUrl) {
        return new BillerClientConfig(
                baseUrl,
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                5,
                Duration.ofMillis(100),
                Duration.ofSeconds(2),
                20,
                Duration.ofSeconds(5));
    }

    /** This configuration with another request timeout. */
    public BillerClientConfig withRequestTimeout(Duration timeout) {
        return new BillerClientConfig(
                baseUrl,
                connectTimeout,
                timeout,
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

    /** This configuration with other retry settings. */
    public BillerClientConfig withRetries(int attempts, Duration initial, Duration max) {
        return new BillerClientConfig(
                baseUrl,
                connectTimeout,
                requestTimeout,
                attempts,
                initial,
                max,
                breakerFailureThreshold,
                breakerOpenFor,
                apiKey,
                keyRetention,
                maxConnections,
                inFlightBoundOverride);
    }

    /** This configuration with another circuit breaker. */
    public BillerClientConfig withBreaker(int failureThreshold, Duration openFor) {
        return new BillerClientConfig(
                baseUrl,
                connectTimeout,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                failureThreshold,
                openFor,
                apiKey,
                keyRetention,
                maxConnections,
                inFlightBoundOverride);
    }

    /**
     * This configuration with another biller credential ({@link Optional#empty()}: send none). The app passes
     * {@code PROVIDER_API_KEY} or the content of {@code PROVIDER_API_KEY_FILE} here.
     *
     * @throws IllegalArgumentException when the key is blank or has spaces or control characters (the message
     *     does not contain the key)
     */
    public BillerClientConfig withApiKey(Optional<String> key) {
        return new BillerClientConfig(
                baseUrl,
                connectTimeout,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                breakerFailureThreshold,
                breakerOpenFor,
                key,
                keyRetention,
                maxConnections,
                inFlightBoundOverride);
    }

    /** This configuration with another idempotency-key retention of the biller. */
    public BillerClientConfig withKeyRetention(Duration retention) {
        return new BillerClientConfig(
                baseUrl,
                connectTimeout,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                breakerFailureThreshold,
                breakerOpenFor,
                apiKey,
                retention,
                maxConnections,
                inFlightBoundOverride);
    }

    /** This configuration with another {@link #maxConnections}. */
    public BillerClientConfig withMaxConnections(int connections) {
        return new BillerClientConfig(
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
                connections,
                inFlightBoundOverride);
    }

    /** Every component, the credential shown only as {@code apiKey=<redacted>} or {@code apiKey=<none>}. */
    @Override
    public String toString() {
        return "BillerClientConfig[baseUrl=" + baseUrl + ", connectTimeout=" + connectTimeout + ", requestTimeout="
                + requestTimeout + ", maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff
                + ", maxBackoff=" + maxBackoff + ", breakerFailureThreshold=" + breakerFailureThreshold
                + ", breakerOpenFor=" + breakerOpenFor + ", apiKey=" + (apiKey.isPresent() ? "<redacted>" : "<none>")
                + ", keyRetention=" + keyRetention + ", maxConnections=" + maxConnections + ", inFlightBound="
                + inFlightBound() + "]";
    }

    // Header-safe: HTTP would refuse control characters anyway, and a space would split the Bearer credential.
    // The message names the rule, never the value.
    static void checkApiKey(String key) {
        if (key.isEmpty() || key.length() > 4096) {
            throw new IllegalArgumentException("apiKey must be 1..4096 characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException(
                        "apiKey must be printable ASCII without spaces (bad character at index " + i + ")");
            }
        }
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }
}
