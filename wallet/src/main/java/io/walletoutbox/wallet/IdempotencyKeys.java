package io.walletoutbox.wallet;

import io.walletoutbox.wallet.internal.PostgresIdempotencyKeys;
import java.time.Duration;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * API idempotency keys with the IETF {@code Idempotency-Key} draft's semantics, on PostgreSQL.
 *
 * <p>The first request with a key takes a lease on it (committed at once, so concurrent requests see it), then
 * runs its work and stores its response in ONE transaction: after a crash either both the work and the response
 * are there, or neither is and the key can be retried once the lease has run out. A request rejected with an
 * exception stores nothing and leaves the key free (a rejected request changes nothing, so a retry may try again).
 */
public interface IdempotencyKeys {

    /**
     * Runs {@code work} once per key of {@code request.scope()}.
     *
     * @param work runs inside an open transaction on the handle it is given and returns the response to store;
     *     it must do all its writes on that handle (e.g. {@link Wallets#topUp(Handle, java.util.UUID, long)})
     * @return {@link IdempotencyResult.Executed} when the work ran; otherwise what was found
     * @throws RuntimeException whatever {@code work} threw, after its transaction rolled back and the key was
     *     released
     * @throws WalletException.IdempotencyLeaseLost when the lease ran out and another request took the key
     *     before this one committed (this one's work is rolled back)
     */
    IdempotencyResult execute(IdempotentRequest request, Function<Handle, StoredResponse> work);

    /** Deletes keys past their retention, in batches; returns how many. */
    int purgeExpired();

    /**
     * Starts a background job (one daemon thread) that runs {@link #purgeExpired} every {@code interval}. A
     * failed run is logged and retried at the next interval. Close the result to stop it.
     */
    AutoCloseable startCleanup(Duration interval);

    /** The stock store on PostgreSQL; the schema must have been migrated with {@link WalletSchema#migrate}. */
    static IdempotencyKeys create(Jdbi jdbi, WalletConfig config) {
        return new PostgresIdempotencyKeys(jdbi, config);
    }
}
