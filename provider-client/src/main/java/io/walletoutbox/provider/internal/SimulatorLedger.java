package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.AnsweredKey;
import io.walletoutbox.provider.BillerCharge;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The simulator's memory: the answer given to each idempotency key (kept for the retention window) and every
 * charge made. One lock: the decisions are microseconds, and one lock makes "same key twice at once" trivially
 * charge once.
 */
final class SimulatorLedger {
    /** A payment request's body. */
    record PaymentRequest(String customerRef, long amount, String currency) {}

    /** What the simulator answered a key: a charge ({@code chargeId} set) or a decline. */
    record Answer(PaymentRequest request, String chargeId, String declineReason, Instant at) {
        boolean paid() {
            return chargeId != null;
        }
    }

    /** The result of one payment request. */
    sealed interface Result {
        record Charged(Answer answer) implements Result {}

        record Replayed(Answer answer) implements Result {}

        record Mismatch() implements Result {}
    }

    private final Duration retention;
    private final Map<String, Answer> byKey = new HashMap<>();
    private final List<BillerCharge> charges = new ArrayList<>();
    private final Map<String, AnsweredKey> answered = new LinkedHashMap<>();
    private Instant lastPurge = Instant.EPOCH;

    SimulatorLedger(Duration retention) {
        this.retention = retention;
    }

    synchronized Result pay(String key, PaymentRequest request, Instant now) {
        return pay(key, request, now, Optional.empty());
    }

    /** As {@link #pay(String, PaymentRequest, Instant)}; a decline carries {@code declineReason} when present. */
    synchronized Result pay(String key, PaymentRequest request, Instant now, Optional<String> declineReason) {
        purge(now);
        Answer previous = live(key, now);
        if (previous != null) {
            return previous.request().equals(request) ? new Result.Replayed(previous) : new Result.Mismatch();
        }
        Answer answer;
        if (request.customerRef().startsWith("DECLINE")) {
            answer = new Answer(request, null, declineReason.orElse("unknown customer " + request.customerRef()), now);
        } else {
            String id = "pay_" + UUID.randomUUID();
            answer = new Answer(request, id, null, now);
            charges.add(new BillerCharge(id, key, request.customerRef(), request.amount(), request.currency()));
        }
        byKey.put(key, answer);
        return new Result.Charged(answer);
    }

    synchronized Optional<Answer> find(String key, Instant now) {
        return Optional.ofNullable(live(key, now));
    }

    synchronized List<BillerCharge> charges() {
        return List.copyOf(charges);
    }

    /** Counts one definitive answer (paid or declined) written back for {@code key} at {@code at}. */
    synchronized void answered(String key, Instant at) {
        answered.merge(key, new AnsweredKey(key, 1, at), (a, b) -> new AnsweredKey(key, a.answered() + 1, at));
    }

    /** Every key answered, in the order keys were first answered. */
    synchronized List<AnsweredKey> answers() {
        return List.copyOf(answered.values());
    }

    private Answer live(String key, Instant now) {
        Answer a = byKey.get(key);
        if (a != null && !a.at().plus(retention).isAfter(now)) {
            byKey.remove(key);
            return null;
        }
        return a;
    }

    // Forgetting expired keys at most once a second keeps the map bounded without a sweeper thread.
    private void purge(Instant now) {
        if (Duration.between(lastPurge, now).toSeconds() < 1) {
            return;
        }
        lastPurge = now;
        byKey.values().removeIf(a -> !a.at().plus(retention).isAfter(now));
    }
}
