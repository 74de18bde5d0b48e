package io.walletoutbox.wallet;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A request carrying an {@code Idempotency-Key}.
 *
 * @param scope where the key is unique, e.g. {@code wallet:<id>} (later: the authenticated principal)
 * @param key the client's key: 1..255 printable ASCII characters (IETF draft: an sf-string)
 * @param fingerprint what identifies the request's content (see {@link #fingerprint}); the same key with
 *     another fingerprint is refused
 */
public record IdempotentRequest(String scope, String key, String fingerprint) {
    public IdempotentRequest {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (scope.isEmpty() || scope.length() > 200) {
            throw new IllegalArgumentException("scope must be 1..200 characters");
        }
        if (fingerprint.isEmpty() || fingerprint.length() > 200) {
            throw new IllegalArgumentException("fingerprint must be 1..200 characters");
        }
        requireKey(key);
    }

    /**
     * Checks an {@code Idempotency-Key} value.
     *
     * @throws WalletException.InvalidIdempotencyKey when missing, empty, over 255 characters, or not printable ASCII
     */
    public static String requireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new WalletException.InvalidIdempotencyKey("the Idempotency-Key header is required");
        }
        if (key.length() > 255 || !key.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new WalletException.InvalidIdempotencyKey(
                    "Idempotency-Key must be 1 to 255 printable ASCII characters");
        }
        return key;
    }

    /**
     * A SHA-256 fingerprint (hex) of the parts given, e.g. the operation name and the request body. Each part is
     * length-prefixed, so {@code ("ab","c")} and {@code ("a","bc")} differ.
     */
    public static String fingerprint(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                byte[] bytes = Objects.requireNonNull(part, "part").getBytes(StandardCharsets.UTF_8);
                sha.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
                sha.update(bytes);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
