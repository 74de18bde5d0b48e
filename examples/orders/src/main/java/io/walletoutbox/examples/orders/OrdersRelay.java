package io.walletoutbox.examples.orders;

import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.RelayConfig;

/**
 * How the shop's polling relay is configured: one topic, {@link Orders#TOPIC}, under {@link ParkingPolicy#BLOCK}, so
 * an order's later events never overtake one that Kafka rejected, reading the shop's outbox tables ({@link
 * ShopDatabase#OUTBOX}). The tests publish with this configuration too.
 *
 * <p>A service starts the relay with {@code PollingRelay.create(dataSource, producers, OrdersRelay.config(id),
 * metrics)} over its pool in front of {@link ShopDatabase#dataSource} (the relay's workers hold a connection each for
 * a publishing cycle) and hands {@code relay::wakeUp} to {@code OutboxWriter.create}. Like the outbox, the relay runs
 * on plain JDBC: the shop needs no Jdbi, and no Micrometer unless it binds the relay's metrics ({@code
 * RelayMeterBinder}).
 */
public final class OrdersRelay {
    private OrdersRelay() {}

    /** The relay's configuration for the instance {@code instanceId}, the library's defaults otherwise. */
    public static RelayConfig config(String instanceId) {
        return RelayConfig.builder(instanceId)
                .topics(Orders.TOPIC)
                .parkingPolicy(Orders.TOPIC, ParkingPolicy.BLOCK)
                .tables(ShopDatabase.OUTBOX.tables())
                .build();
    }
}
