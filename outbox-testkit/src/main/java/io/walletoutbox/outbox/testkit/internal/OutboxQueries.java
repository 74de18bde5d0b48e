package io.walletoutbox.outbox.testkit.internal;

import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.internal.sql.Jdbc;
import io.walletoutbox.outbox.internal.sql.NamedSql;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Where an event is, and which events are parked, read from the outbox's tables (the kit's {@link OutboxTables}) on a
 * connection of their own in auto-commit mode (what may still be published is the relay's own answer: {@code
 * PublishingCycle.publishable()}).
 */
public final class OutboxQueries {
    private final DataSource dataSource;
    private final NamedSql whereabouts;
    private final NamedSql parked;

    public OutboxQueries(DataSource dataSource, OutboxTables tables) {
        this.dataSource = dataSource;
        this.whereabouts = NamedSql.of(tables.render("""
                SELECT false AS parked, attempts, last_error FROM {outbox_event} WHERE event_id = :id
                UNION ALL
                SELECT true, attempts, last_error FROM {outbox_parked} WHERE event_id = :id
                LIMIT 1
                """));
        this.parked = NamedSql.of(tables.render("""
                SELECT id, event_id, topic, aggregate_id, attempts, last_error FROM {outbox_parked} ORDER BY id
                """));
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

    /** A parked event, as {@code assertNoParked} lists it. */
    public record Parked(long id, UUID eventId, String topic, String aggregateId, int attempts, String lastError) {}

    /** Where event {@code eventId} is now. */
    public Whereabouts whereabouts(UUID eventId) {
        return read(
                "reading where event " + eventId + " is",
                c -> whereabouts
                        .on(c)
                        .bind("id", eventId)
                        .findOne(rs -> new Whereabouts(
                                !rs.getBoolean("parked"),
                                rs.getBoolean("parked"),
                                rs.getInt("attempts"),
                                rs.getString("last_error")))
                        .orElse(new Whereabouts(false, false, 0, null)));
    }

    /** Every parked event, by id. */
    public List<Parked> parked() {
        return read(
                "listing the parked events",
                c -> parked.on(c)
                        .list(rs -> new Parked(
                                rs.getLong("id"),
                                rs.getObject("event_id", UUID.class),
                                rs.getString("topic"),
                                rs.getString("aggregate_id"),
                                rs.getInt("attempts"),
                                rs.getString("last_error"))));
    }

    private <T> T read(String what, Jdbc.Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw Jdbc.failed(what, e);
        }
    }
}
