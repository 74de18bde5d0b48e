package io.walletoutbox.app.internal.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.walletoutbox.wallet.WalletException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps every failure to an {@code application/problem+json} answer (RFC 9457). Client mistakes get their 4xx;
 * anything unexpected is a 500 with no internals in the body (the log has them).
 */
public final class Problems {
    private static final Logger log = LoggerFactory.getLogger(Problems.class);
    /** Media type of every error response. */
    public static final String PROBLEM_JSON = "application/problem+json";

    private static final String TYPE_BASE = "https://wallet-outbox.io/problems/";

    private Problems() {}

    /** Registers the exception and error handlers. */
    public static void register(JavalinConfig config) {
        config.routes.exception(ApiException.class, (e, ctx) -> {
            e.headers().forEach(ctx::header);
            write(ctx, e.status(), e.type(), e.title(), e.getMessage());
        });
        config.routes.exception(WalletException.class, (e, ctx) -> fromWallet(e, ctx));
        config.routes.exception(io.walletoutbox.outbox.OutboxException.WritesRefusedException.class, (e, ctx) -> {
            ctx.header("Retry-After", "30");
            write(
                    ctx,
                    503,
                    "writes-refused",
                    "Payments temporarily refused",
                    "the service cannot publish events right now, so it takes no money; nothing was debited,"
                            + " retry later with the same Idempotency-Key");
        });
        config.routes.exception(
                HttpResponseException.class, (e, ctx) -> fromJavalin(e.getStatus(), e.getMessage(), ctx));
        config.routes.exception(Exception.class, (e, ctx) -> {
            if (DatabaseUnavailable.matches(e)) {
                // Not the client's fault and not a defect: the pool is exhausted or PostgreSQL is away (a failover,
                // a restart). The transaction did not commit, so retrying with the same key is safe.
                log.warn(
                        "database unavailable on {} {}: {}", ctx.method(), ctx.path(), DatabaseUnavailable.describe(e));
                ctx.header("Retry-After", "1");
                write(
                        ctx,
                        503,
                        "database-unavailable",
                        "Service temporarily unavailable",
                        "the database is busy or unreachable; nothing was changed, retry with the same"
                                + " Idempotency-Key");
                return;
            }
            log.error("unhandled error on {} {}", ctx.method(), ctx.path(), e);
            write(
                    ctx,
                    500,
                    "internal",
                    "Internal server error",
                    "the request failed; it is safe to retry with the same Idempotency-Key");
        });
        for (int status : new int[] {400, 404, 405, 413, 415, 500, 503}) {
            config.routes.error(status, ctx -> {
                // A handler that wrote its own answer (health: 503 naming the failing parts) keeps it.
                if (!PROBLEM_JSON.equals(ctx.res().getContentType())
                        && !isProblem(ctx)
                        && ctx.resultInputStream() == null) {
                    fromJavalin(status, null, ctx);
                }
            });
        }
    }

    private static boolean isProblem(Context ctx) {
        String type = ctx.res().getContentType();
        return type != null && type.startsWith(PROBLEM_JSON);
    }

    private static void fromWallet(WalletException e, Context ctx) {
        switch (e) {
            case WalletException.WalletNotFound nf ->
                write(ctx, 404, "wallet-not-found", "Wallet not found", nf.getMessage());
            case WalletException.PaymentNotFound nf ->
                write(ctx, 404, "payment-not-found", "Bill payment not found", nf.getMessage());
            case WalletException.InsufficientFunds f ->
                write(ctx, 422, "insufficient-funds", "Insufficient funds", f.getMessage());
            case WalletException.DailyLimitExceeded d ->
                write(ctx, 422, "daily-limit-exceeded", "Daily payment limit exceeded", d.getMessage());
            case WalletException.AmountOutOfRange a ->
                write(ctx, 422, "invalid-amount", "Invalid amount", a.getMessage());
            case WalletException.InvalidCurrency c ->
                write(ctx, 422, "invalid-currency", "Invalid currency", c.getMessage());
            case WalletException.InvalidField f -> write(ctx, 422, "invalid-field", "Invalid field", f.getMessage());
            case WalletException.InvalidCursor c -> write(ctx, 400, "invalid-cursor", "Invalid cursor", c.getMessage());
            default -> write(ctx, 422, "wallet-rule", "Request violates a wallet rule", e.getMessage());
        }
    }

    private static void fromJavalin(int status, String message, Context ctx) {
        switch (status) {
            case 404 -> write(ctx, 404, "not-found", "Not found", "no resource at " + ctx.method() + " " + ctx.path());
            case 405 ->
                write(
                        ctx,
                        405,
                        "method-not-allowed",
                        "Method not allowed",
                        ctx.method() + " is not allowed on " + ctx.path());
            case 413 ->
                write(
                        ctx,
                        413,
                        "payload-too-large",
                        "Payload too large",
                        "request bodies are limited to " + ApiLimits.MAX_BODY_BYTES + " bytes");
            case 415 ->
                write(
                        ctx,
                        415,
                        "unsupported-media-type",
                        "Unsupported media type",
                        "send Content-Type: application/json");
            default -> {
                if (status >= 500) {
                    write(ctx, status, "internal", "Internal server error", "the request failed");
                } else {
                    write(
                            ctx,
                            status,
                            "bad-request",
                            "Bad request",
                            message == null ? "the request is not valid" : message);
                }
            }
        }
    }

    /** Writes one problem response. */
    public static void write(Context ctx, int status, String type, String title, String detail) {
        ctx.status(status).contentType(PROBLEM_JSON).result(body(status, type, title, detail));
    }

    /** The bytes of one problem document. */
    public static byte[] body(int status, String type, String title, String detail) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", TYPE_BASE + type);
        problem.put("title", title);
        problem.put("status", status);
        problem.put("detail", detail);
        return Json.write(problem);
    }
}
