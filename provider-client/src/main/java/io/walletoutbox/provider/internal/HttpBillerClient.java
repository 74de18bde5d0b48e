package io.walletoutbox.provider.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.provider.BillPaymentCall;
import io.walletoutbox.provider.BillerClient;
import io.walletoutbox.provider.BillerClientConfig;
import io.walletoutbox.provider.BillerOutcome;
import io.walletoutbox.provider.ProviderMetrics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BillerClient} on the JDK's {@code HttpClient} (HTTP/1.1), with retries and a circuit breaker. At most
 * {@link BillerClientConfig#maxConnections} requests are in flight at once: HTTP/1.1 carries one request per
 * connection, so that also bounds the connections the client keeps open to the biller.
 */
public final class HttpBillerClient implements BillerClient {
    private static final Logger log = LoggerFactory.getLogger(HttpBillerClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String billerId;
    private final BillerClientConfig config;
    private final ProviderMetrics metrics;
    private final HttpClient http;
    /**
     * Runs the HTTP client's own tasks (handing each answer to the call waiting for it) on virtual threads instead of
     * the client's default cached pool of platform threads: each call's hand-offs then cost a carrier's scheduling
     * rather than an operating-system thread's wake-up: about 100 µs less CPU a call, a fifth to two fifths of
     * what a call cost the client process (docs/biller-performance.md, "The HTTP client's executor").
     */
    private final ExecutorService httpTasks = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("biller-http-", 0).factory());

    private final Backoff backoff;
    private final CircuitBreaker breaker;
    private final Semaphore slots;
    private final URI payments;
    private final String authorization;
    // The last configuration fault the biller answered, cleared by any other answer: while the circuit it opened
    // stays open, calls report a configuration fault rather than an unknown outcome.
    private volatile BillerOutcome.ConfigurationFault lastConfigurationFault;

    public HttpBillerClient(String billerId, BillerClientConfig config, ProviderMetrics metrics) {
        this.billerId = Objects.requireNonNull(billerId, "billerId");
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .executor(httpTasks)
                .build();
        this.backoff = new Backoff(config.initialBackoff(), config.maxBackoff());
        this.slots = new Semaphore(config.maxConnections());
        this.breaker = new CircuitBreaker(
                config.breakerFailureThreshold(),
                config.breakerOpenFor(),
                System::nanoTime,
                metrics.circuitGauge(billerId));
        String base = config.baseUrl().toString().replaceAll("/+$", "");
        this.payments = URI.create(base + "/v1/payments");
        this.authorization = config.apiKey().map(k -> "Bearer " + k).orElse(null);
        if (authorization != null && "http".equals(config.baseUrl().getScheme()) && !isLoopback(config.baseUrl())) {
            log.warn(
                    "the biller credential is sent over plain http to {}; use https",
                    config.baseUrl().getHost());
        }
    }

    private static boolean isLoopback(URI uri) {
        String host = uri.getHost();
        if (host == null || host.equals("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public BillerOutcome pay(BillPaymentCall call) {
        try {
            BillerOutcome outcome = attempt(call);
            metrics.billerCall(outcome);
            return outcome;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            metrics.billerCallError();
            return new BillerOutcome.Unknown("interrupted while calling the biller");
        } catch (RuntimeException e) {
            metrics.billerCallError();
            throw e;
        }
    }

    private BillerOutcome attempt(BillPaymentCall call) throws InterruptedException {
        String key = call.paymentId().toString();
        String body = paymentBody(call);
        String lastCause = "no attempt made";
        boolean mayHaveCharged = false;
        for (int attempt = 1; attempt <= config.maxAttempts(); attempt++) {
            if (attempt > 1) {
                metrics.retry();
                Thread.sleep(
                        backoff.delay(attempt - 1, ThreadLocalRandom.current().nextDouble()));
            }
            if (!breaker.tryAcquire()) {
                var fault = lastConfigurationFault;
                if (fault != null) {
                    return new BillerOutcome.ConfigurationFault(
                            fault.status(), "circuit open after a configuration fault: " + fault.cause());
                }
                lastCause = "circuit open: " + lastCause;
                break;
            }
            var result = send(post(key, body), call.traceparent(), attempt - 1, true);
            switch (result) {
                case BillerResponses.Attempt.Definite(var outcome) -> {
                    return outcome;
                }
                case BillerResponses.Attempt.ConfigurationFault(var status, var cause) -> {
                    return configurationFault(key, "POST", status, cause);
                }
                case BillerResponses.Attempt.Rejected(var cause) -> {
                    log.warn("biller rejected payment paymentId={} cause={}", key, cause);
                    return new BillerOutcome.Unknown("rejected by the biller: " + cause);
                }
                case BillerResponses.Attempt.Retryable r -> {
                    lastCause = r.cause();
                    mayHaveCharged |= r.mayHaveCharged();
                    log.debug("biller attempt failed paymentId={} attempt={} cause={}", key, attempt, r.cause());
                }
            }
        }
        if (!mayHaveCharged) {
            return new BillerOutcome.Unknown(lastCause);
        }
        return status(key, call.traceparent(), lastCause);
    }

    @Override
    public boolean answersConfigurationFault() {
        return lastConfigurationFault != null;
    }

    @Override
    public BillerOutcome status(UUID paymentId) {
        Objects.requireNonNull(paymentId, "paymentId");
        try {
            return query(paymentId.toString(), null, "asked by reconciliation", true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new BillerOutcome.Unknown("interrupted while asking the biller");
        }
    }

    // The one question that settles an ambiguous payment. It bypasses the breaker: one GET is cheap and the
    // answer is worth more than the protection.
    private BillerOutcome status(String key, String traceparent, String lastCause) throws InterruptedException {
        return query(key, traceparent, lastCause, false);
    }

    private BillerOutcome query(String key, String traceparent, String lastCause, boolean explicit)
            throws InterruptedException {
        URI uri = URI.create(payments + "/" + key);
        var builder =
                HttpRequest.newBuilder(uri).timeout(config.requestTimeout()).GET();
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        slots.acquire();
        long start = System.nanoTime();
        Traces.Span span = Traces.client("GET", uri, billerId, traceparent, 0);
        try {
            HttpResponse<String> response = http.send(traced(builder, span, traceparent), BoundedBody.handler());
            span.httpStatus(response.statusCode());
            String body = redact(response.body());
            var outcome = explicit
                    ? BillerResponses.ofStatusQuery(response.statusCode(), body, lastCause)
                    : BillerResponses.ofStatus(response.statusCode(), body, lastCause);
            if (outcome instanceof BillerOutcome.ConfigurationFault(var status, var cause)) {
                return configurationFault(key, "GET", status, cause);
            }
            var fault = lastConfigurationFault;
            if (outcome instanceof BillerOutcome.NotCharged && fault != null) {
                // The route that answers payments refuses this service (a wrong URL answers 404 to everything): a
                // 404 here proves nothing about the key, and must never become a refund.
                return new BillerOutcome.Unknown("the status query answered 404 while the biller answers a"
                        + " configuration fault (" + fault.status() + "): " + fault.cause());
            }
            lastConfigurationFault = null;
            return outcome;
        } catch (IOException e) {
            span.error("status query failed: " + e, e);
            return new BillerOutcome.Unknown(lastCause + "; status query failed: " + e);
        } catch (InterruptedException | RuntimeException e) {
            span.error(e.toString(), e);
            throw e;
        } finally {
            span.end();
            slots.release();
            metrics.billerRequest(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /**
     * The request with its {@code traceparent}: the CLIENT span's context when a tracer made one, else the
     * forwarded one as it came (or none).
     */
    private static HttpRequest traced(HttpRequest.Builder builder, Traces.Span span, String forwarded) {
        String traceparent = span.header(forwarded);
        if (traceparent != null) {
            builder.setHeader("traceparent", traceparent);
        }
        return builder.build();
    }

    private BillerResponses.Attempt send(
            HttpRequest.Builder request, String traceparent, int resendCount, boolean guarded)
            throws InterruptedException {
        long start = System.nanoTime();
        BillerResponses.Attempt result;
        boolean slot = false;
        Traces.Span span = null;
        try {
            slots.acquire(); // nothing is sent before a slot is free
            slot = true;
            start = System.nanoTime();
            span = Traces.client("POST", payments, billerId, traceparent, resendCount);
            HttpResponse<String> response = http.send(traced(request, span, traceparent), BoundedBody.handler());
            span.httpStatus(response.statusCode());
            result = BillerResponses.ofPayment(response.statusCode(), redact(response.body()));
        } catch (IOException e) {
            span.error("request failed: " + e, e);
            result = BillerResponses.ofException(e);
        } catch (InterruptedException | RuntimeException e) {
            if (span != null) {
                span.error(e.toString(), e);
            }
            if (guarded) {
                breaker.failure(); // release the probe slot of a half-open circuit
            }
            throw e;
        } finally {
            if (span != null) {
                span.end();
            }
            if (slot) {
                slots.release();
            }
            metrics.billerRequest(Duration.ofNanos(System.nanoTime() - start));
        }
        if (!(result instanceof BillerResponses.Attempt.ConfigurationFault)) {
            lastConfigurationFault = null;
        }
        if (guarded) {
            // A configuration fault fails every request alike: it opens the circuit as an outage would, so a
            // wrong credential does not hammer the biller.
            if ((result instanceof BillerResponses.Attempt.Retryable r && r.billerDown())
                    || result instanceof BillerResponses.Attempt.ConfigurationFault) {
                breaker.failure();
            } else {
                breaker.success();
            }
        }
        return result;
    }

    /** Counts, logs (one WARN line, never the credential) and remembers a configuration fault. */
    private BillerOutcome.ConfigurationFault configurationFault(String key, String method, int status, String cause) {
        var fault = new BillerOutcome.ConfigurationFault(status, cause);
        lastConfigurationFault = fault;
        metrics.billerConfigurationFault(status);
        log.warn(
                "biller configuration fault, payment stays pending and is retried paymentId={} status={} request={}"
                        + " credentialSent={} cause={}",
                key,
                status,
                method,
                authorization != null,
                cause);
        return fault;
    }

    // A biller echoing the Authorization header must not put the credential into a log line or an outcome.
    private String redact(String body) {
        return body == null || config.apiKey().isEmpty()
                ? body
                : body.replace(config.apiKey().get(), "<redacted>");
    }

    private HttpRequest.Builder post(String key, String body) {
        var builder = HttpRequest.newBuilder(payments)
                .timeout(config.requestTimeout())
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder;
    }

    private static String paymentBody(BillPaymentCall call) {
        return JSON.createObjectNode()
                .put("customerRef", call.customerRef())
                .put("amount", call.amount())
                .put("currency", call.currency())
                .toString();
    }

    @Override
    public void close() {
        http.shutdownNow();
        httpTasks.shutdownNow();
    }

    /** The breaker's state, for tests. */
    CircuitBreaker.State circuitState() {
        return breaker.state();
    }
}
