package io.walletoutbox.provider;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

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
 */
public record BillerClientConfig(
        URI baseUrl,
        Duration connectTimeout,
        Duration requestTimeout,
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        int breakerFailureThreshold,
        Duration breakerOpenFor) {

    public BillerClientConfig {
        Objects.requireNonNull(baseUrl, "baseUrl");
        if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
            throw new IllegalArgumentException("baseUrl must be http(s), was " + baseUrl);
        }
        positive("connectTimeout", connectTimeout);
        positive("requestTimeout", requestTimeout);
        positive("initialBackoff", initialBackoff);
        positive("maxBackoff", maxBackoff);
        positive("breakerOpenFor", breakerOpenFor);
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("maxAttempts must be 1..100, was " + maxAttempts);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must be at least initialBackoff");
        }
        if (breakerFailureThreshold < 1) {
            throw new IllegalArgumentException("breakerFailureThreshold must be positive");
        }
    }

    /**
     * Connect 2 s, request 5 s, 5 attempts, backoff 100 ms doubling to 2 s, circuit opens after 20 consecutive
     * failures for 5 s.
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
                breakerOpenFor);
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
                breakerOpenFor);
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
                openFor);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }
}
