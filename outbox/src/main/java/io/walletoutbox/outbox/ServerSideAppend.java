package io.walletoutbox.outbox;

import java.util.Objects;

/**
 * An append the caller makes itself, inside one SQL statement or server-side function of its own, instead of
 * calling {@link OutboxWriter#append} (which costs a round trip of its own). Made by {@link
 * OutboxWriter#serverSide}, which has already asked the writer's {@link WriteGate}.
 *
 * <p>The caller's SQL calls the function {@link #function()} ({@code outbox_append} in the default tables, created
 * with the outbox's schema) once, in
 * the transaction of its change and after the row that orders the aggregate's events is locked, with the
 * arguments {@code (mode, prefix, event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload,
 * headers, created_at)}: {@link #mode()}'s name, {@link #prefix()}, {@link #shard()}, {@link #headers()} (a JSON
 * object, to pass as {@code jsonb}), and the event's own fields. It writes what {@link OutboxWriter#append} writes
 * in that mode. Once that transaction has committed, the caller runs {@link #committed()} (the writer's in-process
 * wake-up of a relay); after a rollback it does not.
 *
 * @param event the event (its payload as the caller passes it, unless the caller's SQL completes it)
 * @param mode where the writer puts events
 * @param prefix the logical decoding message prefix ({@link OutboxTables#messagePrefix()})
 * @param shard the event's shard ({@link OutboxConfig#shardOf} of its aggregate id)
 * @param headers the event's extra headers as a JSON object
 * @param committed what to run after the commit; cheap, never throws
 * @param function the qualified name of the append function of the writer's tables ({@link OutboxTables#name
 *     OutboxTables.name("outbox_append")})
 */
public record ServerSideAppend(
        OutboxEvent event,
        OutboxMode mode,
        String prefix,
        int shard,
        String headers,
        Runnable committed,
        String function) {
    /**
     * The append, as {@link OutboxWriter#serverSide} makes it; every component is required.
     *
     * @throws NullPointerException when a component is null
     * @throws IllegalArgumentException when {@code shard} is negative
     */
    public ServerSideAppend {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(prefix, "prefix");
        if (shard < 0) {
            throw new IllegalArgumentException("shard must not be negative, was " + shard);
        }
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(committed, "committed");
        Objects.requireNonNull(function, "function");
    }
}
