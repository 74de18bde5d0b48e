package io.walletoutbox.provider;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One request the biller simulator received on a payment route ({@code POST /v1/payments} or {@code GET
 * /v1/payments/{key}}) that passed its API key check: what tests read to see the trace context a client sent.
 *
 * @param method {@code POST} or {@code GET}
 * @param idempotencyKey the {@code Idempotency-Key} header (POST) or the key in the path (GET); null when a POST
 *     had none
 * @param traceparent the {@code traceparent} header as received, if any
 * @param receivedAt when it arrived
 */
public record BillerRequest(String method, String idempotencyKey, Optional<String> traceparent, Instant receivedAt) {
    public BillerRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(traceparent, "traceparent");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }
}
