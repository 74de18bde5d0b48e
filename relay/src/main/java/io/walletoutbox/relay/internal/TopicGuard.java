package io.walletoutbox.relay.internal;

import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.RelayMetrics;
import io.walletoutbox.relay.RelayTopics;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;

/**
 * Keeps a relay to its topics ({@link RelayTopics}): finds the events of a batch that name another topic, and
 * reports each one refused (the counter {@code relay.foreign.topic} and one WARN line). The polling relay parks such
 * rows with {@link #parkForeignRows}; the CDC relay writes them to {@code outbox_parked} itself.
 */
public final class TopicGuard {
    /** The polling relay's move of a foreign row to the parked table, written with table tokens. */
    private static final String PARK_FOREIGN = """
            WITH moved AS (DELETE FROM {outbox_event} WHERE id = :id RETURNING *)
            INSERT INTO {outbox_parked} (id, event_id, shard, aggregate_type, aggregate_id, event_type,
                                       topic, payload, payload_bytes, content_type, headers, created_at, attempts,
                                       last_error)
            SELECT id, event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload, payload_bytes,
                   content_type, headers, created_at, 0, :error FROM moved
            """;

    private final String relay;
    private final Set<String> topics;
    private final RelayMetrics metrics;
    private final Logger log;
    /** {@link #PARK_FOREIGN} rendered for the last tables asked for: one relay has one, rendered once. */
    private volatile Rendered parkForeign;

    private record Rendered(OutboxTables tables, NamedSql sql) {}

    /**
     * A guard for {@code topics} (at least one); {@code relay} names the relay in the log lines ({@code "relay
     * r-1"}), written to {@code log}.
     */
    public TopicGuard(String relay, Set<String> topics, RelayMetrics metrics, Logger log) {
        this.relay = Objects.requireNonNull(relay, "relay");
        this.topics = RelayTopics.copyOf(topics);
        RelayTopics.requireSome(this.topics);
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Whether {@code event} names one of the relay's topics. */
    public boolean allows(StoredEvent event) {
        return topics.contains(event.topic());
    }

    /** The events of {@code batch} that name another topic, in order; usually none (then no list is made). */
    public List<StoredEvent> foreign(List<StoredEvent> batch) {
        List<StoredEvent> foreign = List.of();
        for (StoredEvent event : batch) {
            if (!allows(event)) {
                if (foreign.isEmpty()) {
                    foreign = new ArrayList<>();
                }
                foreign.add(event);
            }
        }
        return foreign;
    }

    /** The last error recorded with a parked foreign event. */
    public String refusal(StoredEvent event) {
        return "topic " + event.topic() + " is not one of the relay's topics " + topics + "; never sent";
    }

    /** Counts {@code event} refused and says so in one WARN line; call once it is parked. */
    public void refused(StoredEvent event) {
        metrics.foreignTopic();
        log.warn(
                "{}: event {} of key {} names topic {}, which is not one of the relay's topics {}: parked, never sent"
                        + " (who wrote it? see docs/operations.md, Foreign topics)",
                relay,
                event.eventId(),
                event.aggregateId(),
                event.topic(),
                topics);
    }

    /**
     * The polling relay's part: moves the rows of {@code batch} that name another topic from {@code tables}' outbox
     * to its parked table on {@code connection}, in its open transaction (the lease's), reports each, and returns
     * the rest of the batch, in order ({@code batch} itself when every event is allowed).
     *
     * @throws SQLException when a move fails (the caller's transaction is then rolled back)
     */
    public List<StoredEvent> parkForeignRows(Connection connection, OutboxTables tables, List<StoredEvent> batch)
            throws SQLException {
        List<StoredEvent> foreign = foreign(batch);
        if (foreign.isEmpty()) {
            return batch;
        }
        NamedSql park = parkForeign(tables);
        for (StoredEvent event : foreign) {
            park.on(connection)
                    .bind("id", event.position())
                    .bind("error", refusal(event))
                    .execute();
            refused(event);
        }
        return batch.stream().filter(this::allows).toList();
    }

    private NamedSql parkForeign(OutboxTables tables) {
        Rendered rendered = parkForeign;
        if (rendered == null || !rendered.tables().equals(tables)) {
            rendered = new Rendered(tables, NamedSql.of(tables.render(PARK_FOREIGN)));
            parkForeign = rendered;
        }
        return rendered.sql();
    }
}
