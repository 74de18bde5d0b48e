package io.walletoutbox.wallet;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * The response of the first request with an idempotency key, kept to be replayed byte for byte.
 *
 * @param status the HTTP status
 * @param headers response headers worth replaying (e.g. {@code Content-Type}, {@code Location})
 * @param body the body bytes (copied in and out, so the record stays immutable)
 */
public record StoredResponse(int status, Map<String, String> headers, byte[] body) {
    public StoredResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        body = Objects.requireNonNull(body, "body").clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredResponse r
                && status == r.status
                && headers.equals(r.headers)
                && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, headers, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "StoredResponse[status=" + status + ", headers=" + headers + ", body=" + body.length + " bytes]";
    }
}
