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
        return HEX.formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** SHA-256 over method, path and the exact body bytes. */
    static String fingerprint(String method, String path, byte[] body) {
        MessageDigest sha = sha256();
        sha.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
        sha.update(body);
        return HEX.formatHex(sha.digest());
    }

    private static final HexFormat HEX = HexFormat.of();
    /** Cloned for each digest: a clone skips the provider lookup of {@link MessageDigest#getInstance}. */
    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
            SHA_256.clone(); // fails here, at class initialisation, if the provider's digests cannot be cloned
        } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}
