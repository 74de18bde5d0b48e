package io.walletoutbox.provider;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Reconciliation#resolve} did.
 *
 * @param status the result
 * @param detail a sentence for the operator (why it was refused, or what was recorded)
 * @param billerAnswer what the biller said when asked first (empty when it was not asked: not found, resolved
 *     before, or the biller is not configured)
 * @param decidableAt for {@link Status#ATTEMPT_IN_FLIGHT}: when the payment can be decided (empty otherwise)
 */
public record ResolveResult(
        Status status, String detail, Optional<BillerOutcome> billerAnswer, Optional<Instant> decidableAt) {

    /** The possible results; only {@link #RESOLVED} changed anything. */
    public enum Status {
        /** The payment is settled as asked, and the entry marked resolved, in the caller's transaction. */
        RESOLVED,
        /** The entry was resolved before with the same outcome: nothing changed (a repeated request). */
        ALREADY_RESOLVED,
        /** No reconciliation entry for this payment. */
        NOT_FOUND,
        /** The biller's definite answer contradicts the requested outcome: nothing changed. */
        CONTRADICTS_BILLER,
        /** The entry was resolved before with the other outcome: nothing changed. */
        RESOLVED_OTHERWISE,
        /** {@code PAID} needs a provider reference, and neither the request nor the biller gave one. */
        REFERENCE_REQUIRED,
        /**
         * {@code DECLINED} while the biller has no definite answer and a charge attempt may still land (within the
         * biller's in-flight bound of the last attempt, or the reconciliation job is charging it right now): nothing
         * changed; {@link #decidableAt} says when to ask again.
         */
        ATTEMPT_IN_FLIGHT
    }

    public ResolveResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(billerAnswer, "billerAnswer");
        Objects.requireNonNull(decidableAt, "decidableAt");
    }

    /** A result with no {@link #decidableAt}. */
    public ResolveResult(Status status, String detail, Optional<BillerOutcome> billerAnswer) {
        this(status, detail, billerAnswer, Optional.empty());
    }
}
