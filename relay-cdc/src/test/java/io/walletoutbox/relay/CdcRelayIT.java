package io.walletoutbox.relay;

import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcRelay;
import io.walletoutbox.relay.internal.RelayHooks;
import org.apache.kafka.clients.producer.Producer;
import org.jdbi.v3.core.Jdbi;

/**
 * The relay contract for the CDC relay: events written as logical decoding messages, read from a slot of the
 * test's database (dropped at the end). Its backlog is the events written minus the acknowledgements counted, as
 * no table holds them. Several instances share one slot: one reads, the others wait as standbys.
 */
class CdcRelayIT extends RelayContractIT {
    private boolean slotRegistered;

    @Override
    protected Relay newRelay(
            Jdbi jdbi, Producer<String, byte[]> producer, RelayConfig config, RelayMetrics metrics, RelayHooks hooks) {
        CdcConfig cdc = CdcTestSupport.config(config.instanceId(), fixture.url, fixture.infra.user(), config);
        if (!slotRegistered) {
            // Registered before the first relay, so it runs after every relay of the test has closed.
            fixture.register(CdcTestSupport.dropper(fixture.jdbi, cdc));
            slotRegistered = true;
        }
        return CdcRelay.create(jdbi, producer, cdc, metrics);
    }

    @Override
    protected OutboxMode outboxMode() {
        return OutboxMode.LOGICAL_MESSAGE;
    }

    @Override
    protected long backlog() {
        return Math.max(0, fixture.written() - fixture.acked());
    }
}
