package io.walletoutbox.examples.orders;

import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.RelayConfig;

/**
 * How the shop's polling relay is configured: one topic, {@link Orders#TOPIC}, under {@link ParkingPolicy#BLOCK}, so
 * an order's later events never overtake one that Kafka rejected. The tests publish with this configuration too.
 *
 * <p>A service starts the relay with {@code PollingRelay.create(jdbi, producers, OrdersRelay.config(id), metrics)}
 * and hands {@code relay::wakeUp} to {@code OutboxWriter.create}; the relay still takes a Jdbi (over the same data
 * source: {@code Jdbi.create(ShopDatabase.dataSource(…))}), which is why this example has no {@code main}: its main
 * code stays on plain JDBC.
 */
public final class OrdersRelay {
    private OrdersRelay() {}

    /** The relay's configuration for the instance {@code instanceId}, the library's defaults otherwise. */
    public static RelayConfig config(String instanceId) {
        return RelayConfig.builder(instanceId)
                .topics(Orders.TOPIC)
                .parkingPolicy(Orders.TOPIC, ParkingPolicy.BLOCK)
                .build();
    }
}
