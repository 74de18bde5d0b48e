package io.walletoutbox.wallet;

import java.util.Arrays;
import java.util.Objects;

/**
 * The response to the first request with an idempotency key, kept so it can be replayed byte for byte.
 *
 * @param status the HTTP status
 * @param contentType the {@code Content-Type} of the body (1..200 characters)
 * @param body the body bytes (copied in and out, so the record stays immutable)
 */
public record StoredResponse(int status, String contentType, byte[] body) {
    public StoredResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
        Objects.requireNonNull(contentType, "contentType");
        if (contentType.isBlank() || contentType.length() > 200) {
            throw new IllegalArgumentException("contentType must be 1..200 characters");
        }
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
                && contentType.equals(r.contentType)
                && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, contentType, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "StoredResponse[status=" + status + ", contentType=" + contentType + ", body=" + body.length + " bytes]";
    }
}
