package io.walletoutbox.app.internal.http;

/** A client error to answer as an RFC 9457 problem: status, a stable type slug, a title and a detail. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String title;
    private final java.util.Map<String, String> headers;

    public ApiException(int status, String type, String title, String detail) {
        this(status, type, title, detail, java.util.Map.of());
    }

    private ApiException(int status, String type, String title, String detail, java.util.Map<String, String> headers) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
        this.headers = headers;
    }

    /** The same problem with one more response header ({@code WWW-Authenticate}, {@code Retry-After}). */
    public ApiException withHeader(String name, String value) {
        var all = new java.util.LinkedHashMap<>(headers);
        all.put(name, value);
        return new ApiException(status, type, title, getMessage(), java.util.Map.copyOf(all));
    }

    /** Response headers that go with this problem. */
    public java.util.Map<String, String> headers() {
        return headers;
    }

    public static ApiException forbidden(String detail) {
        return new ApiException(403, "forbidden", "Forbidden", detail);
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "bad-request", "Bad request", detail);
    }

    public static ApiException unprocessable(String type, String title, String detail) {
        return new ApiException(422, type, title, detail);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "not-found", "Not found", detail);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }
}
