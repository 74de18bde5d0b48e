package io.walletoutbox.wallet;

import java.util.Objects;

/** What {@link IdempotencyKeys#execute} did with a request; a {@code switch} over it covers every answer. */
public sealed interface IdempotencyResult {

    /** The key was new (or expired): the work ran, committed, and its response is stored. Answer with it. */
    record Executed(StoredResponse response) implements IdempotencyResult {
        public Executed {
            Objects.requireNonNull(response, "response");
        }
    }

    /** The key was used before with the same request, which completed: replay its response (nothing ran). */
    record Replayed(StoredResponse response) implements IdempotencyResult {
        public Replayed {
            Objects.requireNonNull(response, "response");
        }
    }

    /** A request with this key is still running (HTTP 409); nothing ran. */
    record InFlight() implements IdempotencyResult {}

    /** The key was used before with another request (HTTP 422); nothing ran. */
    record KeyReused() implements IdempotencyResult {}
}
