package io.walletoutbox.wallet;

import io.walletoutbox.wallet.internal.PostgresIdempotencyKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * API idempotency keys with the IETF {@code Idempotency-Key} draft's semantics, on PostgreSQL.
 *
 * <p>{@link #execute} runs the action and stores its response in ONE transaction: after a crash either both are
 * there or neither is, so a key is never left half-done and a retry after a crash simply runs again. A request
 * that is rejected with an exception stores nothing (a rejected request changes nothing; a retry may try again).
 */
public interface IdempotencyKeys {

    /**
     * One request under an idempotency key, for {@link Wallets#requestBillPayment(Request, java.util.UUID, String,
     * BillPaymentRequest, java.util.Optional, Function)}: the arguments {@link #execute} takes, checked as it checks
     * them.
     *
     * @param scope where keys are unique, 1..200 characters
     * @param key the client's {@code Idempotency-Key} ({@link #requireKey})
     * @param fingerprint identifies the request's content, 1..200 characters
     */
    record Request(String scope, String key, String fingerprint) {
        public Request {
            requireText(scope, "scope");
            requireKey(key);
            requireText(fingerprint, "fingerprint");
        }

        private static void requireText(String value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isEmpty() || value.length() > 200) {
                throw new IllegalArgumentException(name + " must be 1..200 characters");
            }
        }
    }

    /** What {@link #execute} did; a {@code switch} over it covers every answer. */
    sealed interface Result {}

    /** The key was new (or expired): the action ran and committed with its response stored. Answer with it. */
    record Executed(StoredResponse response) implements Result {
        public Executed {
            Objects.requireNonNull(response, "response");
        }
    }

    /** The key was used before for the same request, which completed: replay its response; nothing ran. */
    record Replayed(StoredResponse response) implements Result {
        public Replayed {
            Objects.requireNonNull(response, "response");
        }
    }

    /** A request with this key is running right now (HTTP 409); nothing ran. */
    record InFlight() implements Result {}

    /** The key was used before for another request, i.e. another fingerprint (HTTP 422); nothing ran. */
    record FingerprintMismatch() implements Result {}

    /**
     * Runs {@code action} at most once per {@code key} within {@code scope} (until the key expires).
     *
     * <p>In one transaction: a non-blocking transaction-scoped advisory lock on (scope, key), whose holder is the
     * one request with that key in flight ({@link InFlight} when another holds it); then the stored key, if any
     * ({@link FingerprintMismatch} or {@link Replayed}); otherwise {@code action} on the same handle, and its
     * response stored with the key before commit.
     *
     * @param scope where keys are unique, e.g. {@code wallet:<id>} (later: the authenticated principal), 1..200 chars
     * @param key the client's {@code Idempotency-Key}, checked with {@link #requireKey}
     * @param fingerprint identifies the request's content, e.g. {@link #fingerprint} of operation and body
     * @param action does all its writes on the handle it is given, inside its open transaction (e.g. {@link
     *     Wallets#topUp(Handle, java.util.UUID, long)}), and returns the response to store and send
     * @throws WalletException.InvalidIdempotencyKey when {@code key} is missing or malformed
     * @throws RuntimeException whatever {@code action} threw, after everything (the key included) rolled back
     */
    Result execute(String scope, String key, String fingerprint, Function<Handle, StoredResponse> action);

    /** Deletes keys past their retention, in batches of 1,000; returns how many. */
    int purgeExpired();

    /**
     * Starts a background purger (a virtual thread) that runs {@link #purgeExpired} every {@code every}. A failed
     * run is logged and the purger tries again at the next interval. Close the result to stop it.
     */
    AutoCloseable startPurger(Duration every);

    /**
     * Checks an {@code Idempotency-Key} value and returns it.
     *
     * @throws WalletException.InvalidIdempotencyKey when missing, empty, over 255 characters, or not printable
     *     ASCII
     */
    static String requireKey(String key) {
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
     * A SHA-256 fingerprint (64 hex digits) of the parts given, e.g. the operation and the request body. Each part
     * is length-prefixed, so {@code ("ab","c")} and {@code ("a","bc")} differ.
     */
    static String fingerprint(String... parts) {
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

    /** The stock store on PostgreSQL; the schema must have been migrated with {@link WalletSchema#migrate}. */
    static IdempotencyKeys create(Jdbi jdbi, WalletConfig config) {
        return new PostgresIdempotencyKeys(jdbi, config);
    }
}
