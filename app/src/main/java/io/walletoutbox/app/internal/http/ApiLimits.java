package io.walletoutbox.app.internal.http;

/** Documented limits of the HTTP API. */
public final class ApiLimits {
    private ApiLimits() {}

    /** Largest request body accepted; larger ones get 413. */
    public static final int MAX_BODY_BYTES = 16 * 1024;
    /** Longest Idempotency-Key accepted. */
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;
    /** Page size of {@code GET /wallets/{id}/transactions}: default and maximum. */
    public static final int DEFAULT_PAGE_SIZE = 50;

    public static final int MAX_PAGE_SIZE = 200;
}
