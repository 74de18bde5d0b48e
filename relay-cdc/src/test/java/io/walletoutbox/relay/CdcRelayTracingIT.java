package io.walletoutbox.relay;

import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.jdbi.JdbiOutbox;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.internal.CdcRelayImpl;
import io.walletoutbox.relay.internal.RelayHooks;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.jdbi.v3.core.Jdbi;

/**
 * The relays' spans for the CDC relay: the same spans as the polling relay's, its cycle a {@code relay batch} span
 * per batch of the engine. Events written as logical decoding messages, read from a slot of the test's database.
 */
class CdcRelayTracingIT extends RelayTracingContractIT {
    private boolean slotRegistered;

    @Override
    protected Relay newRelay(
            Jdbi jdbi,
            Supplier<Producer<String, byte[]>> producers,
            RelayConfig config,
            RelayMetrics metrics,
            RelayHooks hooks) {
        CdcConfig cdc = CdcTestSupport.config(config.instanceId(), fixture.url, fixture.infra.user(), config);
        if (!slotRegistered) {
            fixture.register(CdcTestSupport.dropper(CdcTestSupport.dataSource(fixture), cdc));
            slotRegistered = true;
        }
        // The contract hands relays a Jdbi; the CDC relay takes its connections.
        return new CdcRelayImpl(JdbiOutbox.dataSource(jdbi), producers.get(), cdc, metrics, hooks);
    }

    @Override
    protected OutboxMode outboxMode() {
        return OutboxMode.LOGICAL_MESSAGE;
    }

    @Override
    protected String cycleSpanName() {
        return "relay batch";
    }

    @Override
    protected String relayMode() {
        return "cdc";
    }
}
