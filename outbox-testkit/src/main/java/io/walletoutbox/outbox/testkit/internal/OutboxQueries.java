package io.walletoutbox.outbox.testkit.internal;

import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.RelayConfig;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** What the kit reads from the outbox's tables, each read in a transaction of its own. */
public final class OutboxQueries {
    /**
     * Events a relay may send now: all but those that under {@code BLOCK} wait behind an earlier event of their key
     * that is parked or was rejected (the relay's own rule, see the polling relay's lease statement).
     */
    private static final String PUBLISHABLE = """
            SELECT count(*) FROM outbox_event e
            WHERE NOT (e.topic = ANY(:blockTopics) AND (
                 EXISTS (SELECT 1 FROM outbox_parked p
                         WHERE p.topic = e.topic AND p.aggregate_id = e.aggregate_id AND p.id < e.id)
              OR EXISTS (SELECT 1 FROM outbox_event f
                         WHERE f.attempts > 0 AND f.shard = e.shard AND f.topic = e.topic
                           AND f.aggregate_id = e.aggregate_id AND f.id < e.id)))
            """;

    private final Jdbi jdbi;
    private final String[] blockTopics;

    public OutboxQueries(Jdbi jdbi, RelayConfig config) {
        this.jdbi = jdbi;
        this.blockTopics = config.parkingPolicies().entrySet().stream()
                .filter(e -> e.getValue() == ParkingPolicy.BLOCK)
                .map(Map.Entry::getKey)
                .toArray(String[]::new);
    }

    /** Committed events a relay may send now. */
    public long publishable() {
        return jdbi.withHandle(h -> h.createQuery(PUBLISHABLE)
                .bind("blockTopics", blockTopics)
                .mapTo(Long.class)
                .one());
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
