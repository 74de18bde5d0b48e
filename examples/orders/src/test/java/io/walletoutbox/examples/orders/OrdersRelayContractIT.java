package io.walletoutbox.examples.orders;

import io.walletoutbox.outbox.testkit.RelayContract;
import io.walletoutbox.relay.RelayConfig;
import org.jdbi.v3.core.Jdbi;

/** The relay's promises, checked in the shop's schema with the shop's relay configuration ({@code BLOCK}). */
class OrdersRelayContractIT extends RelayContract {
    private static final Jdbi OUTBOX = Jdbi.create(ShopTestDatabase.create());

    @Override
    protected Jdbi outbox() {
        return OUTBOX;
    }

    @Override
    protected RelayConfig relayConfig() {
        return OrdersRelay.config("orders-contract");
    }
}
