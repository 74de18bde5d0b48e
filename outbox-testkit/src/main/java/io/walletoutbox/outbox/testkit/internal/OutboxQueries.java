package io.walletoutbox.outbox.testkit.internal;

import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Where an event is, read from the outbox's tables in a transaction of its own (what may still be published is the
 * relay's own answer: {@code PublishingCycle.publishable()}).
 */
public final class OutboxQueries {
    private final Jdbi jdbi;

    public OutboxQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Where one event is: waiting in the outbox (attempts, last error), parked, or in neither. */
    public record Whereabouts(boolean inOutbox, boolean parked, int attempts, String lastError) {
        @Override
        public String toString() {
            if (!inOutbox && !parked) {
                return "not in the outbox";
            }
            return (parked ? "parked" : "still in the outbox") + " after " + attempts + " rejection(s)"
                    + (lastError == null ? "" : ", last error: " + lastError);
        }
    }

    /** Where event {@code eventId} is now. */
    public Whereabouts whereabouts(UUID eventId) {
        return jdbi.withHandle(h -> {
            Optional<Whereabouts> found = h.createQuery("""
                            SELECT false AS parked, attempts, last_error FROM outbox_event WHERE event_id = :id
                            UNION ALL
                            SELECT true, attempts, last_error FROM outbox_parked WHERE event_id = :id
                            LIMIT 1
                            """)
                    .bind("id", eventId)
                    .map((rs, ctx) -> new Whereabouts(
                            !rs.getBoolean("parked"),
                            rs.getBoolean("parked"),
                            rs.getInt("attempts"),
                            rs.getString("last_error")))
                    .findOne();
            return found.orElse(new Whereabouts(false, false, 0, null));
        });
    }
}
