package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.AnsweredKey;
import io.walletoutbox.provider.BillerCharge;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The simulator's memory: the answer given to each idempotency key (kept for the retention window), every charge
 * made, and the requests held for a late landing. One lock: the decisions are microseconds, and one lock makes
 * "same key twice at once" trivially charge once.
 *
 * <p>A held request lands by time, not by a thread: every method first lands each held request whose landing
 * time has come (in landing order), so whoever looks, through any route, sees it exactly from then on, whether
 * or not its client is still connected.
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

        /** Accepted for a late landing at {@code landAt}; nothing is charged or answerable before then. */
        record Held(Instant landAt) implements Result {}

        /** Another request with the key is held and has not landed: nothing happened (any body). */
        record InProgress() implements Result {}
    }

    private record Pending(String key, PaymentRequest request, Optional<String> declineReason, Instant landAt) {}

    private final Duration retention;
    private final Map<String, Answer> byKey = new HashMap<>();
    private final List<BillerCharge> charges = new ArrayList<>();
    private final Map<String, AnsweredKey> answered = new LinkedHashMap<>();
    private final Map<String, Pending> held = new HashMap<>();
    private Instant lastPurge = Instant.EPOCH;

    SimulatorLedger(Duration retention) {
        this.retention = retention;
    }

    synchronized Result pay(String key, PaymentRequest request, Instant now) {
        return pay(key, request, now, Optional.empty());
    }

    /** As {@link #pay(String, PaymentRequest, Instant)}; a decline carries {@code declineReason} when present. */
    synchronized Result pay(String key, PaymentRequest request, Instant now, Optional<String> declineReason) {
        return pay(key, request, now, declineReason, Optional.empty());
    }

    /**
     * As {@link #pay(String, PaymentRequest, Instant, Optional)}; when {@code landAt} is present and the key is new
     * (neither answered within retention nor held), the request is held and its outcome lands at {@code landAt}.
     */
    synchronized Result pay(
            String key, PaymentRequest request, Instant now, Optional<String> declineReason, Optional<Instant> landAt) {
        land(now);
        purge(now);
        if (held.containsKey(key)) {
            return new Result.InProgress();
        }
        Answer previous = live(key, now);
        if (previous != null) {
            return previous.request().equals(request) ? new Result.Replayed(previous) : new Result.Mismatch();
        }
        if (landAt.isPresent()) {
            held.put(key, new Pending(key, request, declineReason, landAt.get()));
            return new Result.Held(landAt.get());
        }
        return new Result.Charged(decide(key, request, declineReason, now));
    }

    synchronized Optional<Answer> find(String key, Instant now) {
        land(now);
        return Optional.ofNullable(live(key, now));
    }

    /** Every charge made (landed) by {@code now}, in the order made. */
    synchronized List<BillerCharge> charges(Instant now) {
        land(now);
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

    private Answer decide(String key, PaymentRequest request, Optional<String> declineReason, Instant at) {
        Answer answer;
        if (request.customerRef().startsWith("DECLINE")) {
            answer = new Answer(request, null, declineReason.orElse("unknown customer " + request.customerRef()), at);
        } else {
            String id = "pay_" + UUID.randomUUID();
            answer = new Answer(request, id, null, at);
            charges.add(new BillerCharge(id, key, request.customerRef(), request.amount(), request.currency()));
        }
        byKey.put(key, answer);
        return answer;
    }

    // The retention of a landed outcome counts from its landing, as if it had been made then.
    private void land(Instant now) {
        if (held.isEmpty()) {
            return;
        }
        List<Pending> due = held.values().stream()
                .filter(p -> !p.landAt().isAfter(now))
                .sorted(Comparator.comparing(Pending::landAt))
                .toList();
        for (Pending p : due) {
            held.remove(p.key());
            decide(p.key(), p.request(), p.declineReason(), p.landAt());
        }
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
