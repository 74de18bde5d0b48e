package io.walletoutbox.app.internal.http;

/** A client error to answer as an RFC 9457 problem: status, a stable type slug, a title and a detail. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String title;

    public ApiException(int status, String type, String title, String detail) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
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
