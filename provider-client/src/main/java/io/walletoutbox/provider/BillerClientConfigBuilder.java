package io.walletoutbox.provider;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds a {@link BillerClientConfig}, from {@link BillerClientConfig#builder(URI)} or {@link
 * BillerClientConfig#toBuilder()}. Setters only record values; {@link #build()} checks them all and says which one
 * is out of range. A builder may be reused: each {@code build()} makes an independent configuration.
 */
public final class BillerClientConfigBuilder {
    final URI baseUrl;
    Duration connectTimeout = Duration.ofSeconds(2);
    Duration requestTimeout = Duration.ofSeconds(5);
    int maxAttempts = 5;
    Duration initialBackoff = Duration.ofMillis(100);
    Duration maxBackoff = Duration.ofSeconds(2);
    int breakerFailureThreshold = 20;
    Duration breakerOpenFor = Duration.ofSeconds(5);
    Optional<String> apiKey = Optional.empty();
    Duration keyRetention = BillerClientConfig.DEFAULT_KEY_RETENTION;
    int maxConnections = BillerClientConfig.DEFAULT_MAX_CONNECTIONS;
    Duration inFlightBound; // null: the default of BillerClientConfig.inFlightBound()

    BillerClientConfigBuilder(URI baseUrl) {
        this.baseUrl = baseUrl;
    }

    BillerClientConfigBuilder(BillerClientConfig c) {
        baseUrl = c.baseUrl();
        connectTimeout = c.connectTimeout();
        requestTimeout = c.requestTimeout();
        maxAttempts = c.maxAttempts();
        initialBackoff = c.initialBackoff();
        maxBackoff = c.maxBackoff();
        breakerFailureThreshold = c.breakerFailureThreshold();
        breakerOpenFor = c.breakerOpenFor();
        apiKey = c.apiKey();
        keyRetention = c.keyRetention();
        maxConnections = c.maxConnections();
        inFlightBound = c.inFlightBoundOverride().orElse(null);
    }

    /** TCP connect timeout, positive. Default 2 s. */
    public BillerClientConfigBuilder connectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
        return this;
    }

    /**
     * Time allowed for one request's answer, positive; past it the request counts as ambiguous. Also sets the
     * default {@link BillerClientConfig#inFlightBound()}. Default 5 s.
     */
    public BillerClientConfigBuilder requestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
        return this;
    }

    /** Requests per {@link BillerClient#pay}, 1..100 (1 = no retry). Default 5. */
    public BillerClientConfigBuilder maxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        return this;
    }

    /**
     * Delay before the first retry, positive; doubles per retry, with jitter, up to {@link #maxBackoff}. Default
     * 100 ms.
     */
    public BillerClientConfigBuilder initialBackoff(Duration initialBackoff) {
        this.initialBackoff = initialBackoff;
        return this;
    }

    /** Cap of the delay between retries, at least {@link #initialBackoff}. Default 2 s. */
    public BillerClientConfigBuilder maxBackoff(Duration maxBackoff) {
        this.maxBackoff = maxBackoff;
        return this;
    }

    /** Consecutive failed requests that open the circuit, positive. Default 20. */
    public BillerClientConfigBuilder breakerFailureThreshold(int breakerFailureThreshold) {
        this.breakerFailureThreshold = breakerFailureThreshold;
        return this;
    }

    /** How long an open circuit refuses requests before letting one probe through, positive. Default 5 s. */
    public BillerClientConfigBuilder breakerOpenFor(Duration breakerOpenFor) {
        this.breakerOpenFor = breakerOpenFor;
        return this;
    }

    /**
     * The biller credential ({@link Optional#empty()}: send none, the default). When present, every request to the
     * biller (payments and status queries) carries {@code Authorization: Bearer <apiKey>}. Printable ASCII
     * without spaces, 1..4096 characters; {@link #build()}'s message on a bad key never contains it, nor does any
     * error message of this module, nor {@link BillerClientConfig#toString()}. A biller answering {@code 401}/{@code
     * 403} is a {@link BillerOutcome.ConfigurationFault}. The app passes {@code PROVIDER_API_KEY} or the content of
     * {@code PROVIDER_API_KEY_FILE} here.
     */
    public BillerClientConfigBuilder apiKey(Optional<String> apiKey) {
        this.apiKey = apiKey;
        return this;
    }

    /**
     * How long the biller remembers an idempotency key (its answer to a repeated key), positive: while a payment's
     * first attempt is younger than this, a {@code 404} to the status query proves nothing was charged and the
     * reconciliation job charges again with the same key; once it has passed, a payment the biller has no record
     * of is failed and refunded instead (see {@link ReconciliationJob}). Default {@link
     * BillerClientConfig#DEFAULT_KEY_RETENTION}.
     */
    public BillerClientConfigBuilder keyRetention(Duration keyRetention) {
        this.keyRetention = keyRetention;
        return this;
    }

    /**
     * Requests to this biller in flight at once, 1..10,000 (HTTP/1.1: one connection each, so this bounds the
     * client's connection pool too); a call beyond it waits for a free slot before anything is sent. Sized for
     * throughput: a biller answering in {@code L} ms allows about {@code maxConnections × 1000 / L} payments per
     * second. Default {@link BillerClientConfig#DEFAULT_MAX_CONNECTIONS}.
     */
    public BillerClientConfigBuilder maxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
        return this;
    }

    /**
     * The biller's in-flight bound ({@link BillerClientConfig#inFlightBound()}), positive; the app passes {@code
     * <id>.in-flight-bound}. Unset by default: three times the {@link #requestTimeout} and at least {@link
     * BillerClientConfig#MIN_DEFAULT_IN_FLIGHT_BOUND}.
     */
    public BillerClientConfigBuilder inFlightBound(Duration inFlightBound) {
        this.inFlightBound = Objects.requireNonNull(inFlightBound, "inFlightBound");
        return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException when a value is out of range (the message names it, never the key)
     * @throws NullPointerException when a value is null
     */
    public BillerClientConfig build() {
        return new BillerClientConfig(this);
    }
}
