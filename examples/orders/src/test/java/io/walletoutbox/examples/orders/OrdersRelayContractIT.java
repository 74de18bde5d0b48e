package io.walletoutbox.examples.orders;

import io.walletoutbox.outbox.testkit.RelayContract;
import io.walletoutbox.relay.RelayConfig;
import javax.sql.DataSource;

/** The relay's promises, checked in the shop's schema with the shop's relay configuration ({@code BLOCK}). */
class OrdersRelayContractIT extends RelayContract {
    private static final DataSource OUTBOX = ShopTestDatabase.create();

    @Override
    protected DataSource outbox() {
        return OUTBOX;
    }

    @Override
    protected RelayConfig relayConfig() {
        return OrdersRelay.config("orders-contract");
    }
}
