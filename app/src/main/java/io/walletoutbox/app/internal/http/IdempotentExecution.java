package io.walletoutbox.app.internal.http;

import io.javalin.http.Context;
import io.walletoutbox.wallet.IdempotencyKeys;
import io.walletoutbox.wallet.StoredResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/**
 * The Idempotency-Key semantics of the API (IETF draft): the first request runs and its response is stored in the
 * same transaction as its effect; the same key with the same request replays that response byte for byte; with
 * another request → 422; while the first is still running → 409.
 */
public final class IdempotentExecution {
    private final IdempotencyKeys keys;

    public IdempotentExecution(IdempotencyKeys keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    void run(Context ctx, String scope, String key, byte[] body, Function<Handle, StoredResponse> action) {
        String fingerprint = fingerprint(ctx.method().name(), ctx.path(), body);
        answer(ctx, keys.execute(scope, key, fingerprint, action));
    }

    /** The key of this request: its scope, the client's key, and the fingerprint of method, path and body. */
    static IdempotencyKeys.Request request(Context ctx, String scope, String key, byte[] body) {
        return new IdempotencyKeys.Request(scope, key, fingerprint(ctx.method().name(), ctx.path(), body));
    }

    /** Answers with what an idempotent execution did (made elsewhere, e.g. in one round trip by the wallet). */
    static void answer(Context ctx, IdempotencyKeys.Result result) {
        switch (result) {
            case IdempotencyKeys.Executed executed -> Responses.replay(ctx, executed.response());
            case IdempotencyKeys.Replayed replayed -> {
                ctx.header("Idempotent-Replayed", "true");
                Responses.replay(ctx, replayed.response());
            }
            case IdempotencyKeys.InFlight inFlight ->
                throw new ApiException(
                        409,
                        "idempotency-key-in-use",
                        "Request in progress",
                        "a request with this Idempotency-Key is still being processed; retry later");
            case IdempotencyKeys.FingerprintMismatch mismatch ->
                throw ApiException.unprocessable(
                        "idempotency-key-reused",
                        "Idempotency-Key reused",
                        "this Idempotency-Key was used for a different request");
        }
    }

    /** Hex SHA-256 of a text. */
    static String digest(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 over method, path and the exact body bytes. */
    static String fingerprint(String method, String path, byte[] body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
            sha.update(body);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
