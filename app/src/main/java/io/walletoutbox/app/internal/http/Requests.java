package io.walletoutbox.app.internal.http;

import io.javalin.http.Context;
import java.util.UUID;

/** Reading and checking the parts of a request: media type, size, path ids, headers, query parameters. */
final class Requests {
    private static final java.util.regex.Pattern JSON_TYPE =
            java.util.regex.Pattern.compile("application/json\\s*(;.*)?", java.util.regex.Pattern.CASE_INSENSITIVE);

    private Requests() {}

    /** The body of a JSON request: 415 unless {@code application/json}, 413 when over the limit. */
    static byte[] jsonBody(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !JSON_TYPE.matcher(type).matches()) {
            throw new ApiException(
                    415,
                    "unsupported-media-type",
                    "Unsupported media type",
                    "send the body as Content-Type: application/json");
        }
        long length = ctx.req().getContentLengthLong();
        if (length > ApiLimits.MAX_BODY_BYTES) {
            throw new ApiException(
                    413,
                    "payload-too-large",
                    "Payload too large",
                    "request bodies are limited to " + ApiLimits.MAX_BODY_BYTES + " bytes");
        }
        return ctx.bodyAsBytes();
    }

    /** A path parameter that must be a UUID (400 otherwise). */
    static UUID uuid(Context ctx, String name) {
        String raw = ctx.pathParam(name);
        try {
            UUID id = UUID.fromString(raw);
            if (!id.toString().equalsIgnoreCase(raw)) {
                throw new IllegalArgumentException();
            }
            return id;
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(name + " must be a UUID");
        }
    }

    /** The Idempotency-Key header: required (400), 1..255 visible ASCII characters. */
    static String idempotencyKey(Context ctx) {
        String key = ctx.header("Idempotency-Key");
        if (key == null || key.isEmpty()) {
            throw new ApiException(
                    400,
                    "idempotency-key-missing",
                    "Idempotency-Key missing",
                    "this operation requires an Idempotency-Key header");
        }
        if (key.length() > ApiLimits.MAX_IDEMPOTENCY_KEY_LENGTH || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw ApiException.badRequest("Idempotency-Key must be 1 to " + ApiLimits.MAX_IDEMPOTENCY_KEY_LENGTH
                    + " visible ASCII characters");
        }
        return key;
    }

    /** An optional integer query parameter within bounds (400 otherwise). */
    static int intQuery(Context ctx, String name, int fallback, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value < min || value > max) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be an integer from " + min + " to " + max);
        }
    }
}
