package io.walletoutbox.examples.orders;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The shop's orders. Each change stores the order's row in {@code shop_orders} and its event in the outbox in one
 * plain-JDBC transaction, so the event exists if and only if the change committed; a relay publishes the events
 * afterwards to {@link #TOPIC}, keyed by the order id, each order's in the order they committed.
 */
public final class Orders {
    /** The topic the shop's events go to. */
    public static final String TOPIC = "shop.orders";
    /** The aggregate type of the shop's events ({@code ce_source} is {@code /Order}). */
    public static final String AGGREGATE_TYPE = "Order";

    private static final String SQL_STATE_UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private final OutboxWriter outbox;

    /**
     * @param dataSource the shop's database, connections in the shop's schema ({@link ShopDatabase#dataSource})
     * @param outbox the writer the shop's events go through ({@code OutboxWriter.create(config, relay::wakeUp)})
     */
    public Orders(DataSource dataSource, OutboxWriter outbox) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
    }

    /**
     * Places an order: inserts it and appends its {@link OrderPlaced} event in one transaction of its own, commits,
     * then tells the writer ({@link OutboxWriter#committed()}, which wakes a relay of this process).
     *
     * @return the event's id ({@code ce_id} of the record the relay publishes)
     * @throws IllegalArgumentException when a value is invalid ({@link OrderPlaced}); nothing is written
     * @throws OrdersException.DuplicateOrderException when {@code orderId} is taken; rolled back, no event
     * @throws OrdersException when the database fails otherwise; rolled back
     * @throws io.walletoutbox.outbox.OutboxException when the append fails; rolled back
     */
    public UUID place(String orderId, String customer, long amountCents) {
        OrderPlaced placed = new OrderPlaced(orderId, customer, amountCents);
        return write(event(orderId, OrderPlaced.TYPE, placed.toJson()), c -> {
            try (var insert = c.prepareStatement("""
                    INSERT INTO shop_orders (order_id, customer, amount_cents) VALUES (?, ?, ?)
                    """)) {
                insert.setString(1, orderId);
                insert.setString(2, customer);
                insert.setLong(3, amountCents);
                insert.executeUpdate();
            } catch (SQLException e) {
                if (SQL_STATE_UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw new OrdersException.DuplicateOrderException(orderId, e);
                }
                throw e;
            }
        });
    }

    /**
     * Cancels an open order and appends its {@link OrderCancelled} event, in one transaction of its own. The update
     * locks the order's row before the append, so the order's events take outbox positions in commit order.
     *
     * @return the event's id
     * @throws OrdersException.NotCancellableException when no open order has this id; rolled back, no event
     * @throws OrdersException when the database fails otherwise; rolled back
     */
    public UUID cancel(String orderId) {
        OrderCancelled cancelled = new OrderCancelled(orderId);
        return write(event(orderId, OrderCancelled.TYPE, cancelled.toJson()), c -> {
            try (var update = c.prepareStatement("""
                    UPDATE shop_orders SET cancelled_at = now() WHERE order_id = ? AND cancelled_at IS NULL
                    """)) {
                update.setString(1, orderId);
                if (update.executeUpdate() == 0) {
                    throw new OrdersException.NotCancellableException(orderId);
                }
            }
        });
    }

    /** The change, then the event's append, in one transaction; after the commit, the writer's wake-up. */
    private UUID write(OutboxEvent event, Change change) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                change.apply(c);
                outbox.append(c, event);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new OrdersException(event.type() + " of order " + event.aggregateId() + " failed", e);
        }
        outbox.committed();
        return event.id();
    }

    private static OutboxEvent event(String orderId, String type, String json) {
        return OutboxEvent.of(AGGREGATE_TYPE, orderId, type, TOPIC, json);
    }

    private static void rollback(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    static void requireText(String value, String name, int max) {
        Objects.requireNonNull(value, name);
        if (value.isBlank() || value.length() > max) {
            throw new IllegalArgumentException(name + " must be 1.." + max + " characters");
        }
    }

    /** A change of the shop's tables, on the transaction's connection. */
    @FunctionalInterface
    private interface Change {
        void apply(Connection c) throws SQLException;
    }
}
