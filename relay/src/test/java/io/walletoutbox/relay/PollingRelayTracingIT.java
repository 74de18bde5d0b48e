package io.walletoutbox.relay;

import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.internal.PollingRelayImpl;
import io.walletoutbox.relay.internal.RelayHooks;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;

/** The relays' spans for the polling relay: a {@code relay cycle} span per lease that carried events. */
class PollingRelayTracingIT extends RelayTracingContractIT {
    @Override
    protected Relay newRelay(
            DataSource dataSource,
            Supplier<Producer<String, byte[]>> producers,
            RelayConfig config,
            RelayMetrics metrics,
            RelayHooks hooks) {
        return PollingRelayImpl.create(dataSource, producers, config, metrics, hooks);
    }

    @Override
    protected OutboxMode outboxMode() {
        return OutboxMode.TABLE;
    }

    @Override
    protected String cycleSpanName() {
        return "relay cycle";
    }

    @Override
    protected String relayMode() {
        return "polling";
    }
}
