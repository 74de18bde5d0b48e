package io.walletoutbox.relay;

import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcRelay;
import java.time.Duration;

/**
 * A CDC relay alone in its process, for the crash test: {@code CdcRelayMain jdbcUrl user bootstrapServers slot
 * batchSize topic}. Prints {@code started} once its slot exists, then runs until killed.
 */
public final class CdcRelayMain {
    private CdcRelayMain() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String bootstrap = args[2];
        String slot = args[3];
        int batch = Integer.parseInt(args[4]);
        String topic = args[5];
        var config = CdcConfig.builder("crash-relay", url, user, "")
                .slotName(slot)
                .publicationName(slot)
                .heartbeatInterval(Duration.ofSeconds(1))
                .maxBatchSize(batch)
                .retryBackoff(Duration.ofMillis(50))
                .maxRetryBackoff(Duration.ofSeconds(1))
                .topics(topic)
                .build();
        var dataSource = TestPools.pool(url, 2).user(user, "").open();
        var relay =
                CdcRelay.create(dataSource, KafkaProducers.create(bootstrap, "crash-relay"), config, RelayMetrics.NONE);
        relay.start();
        System.out.println("started");
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }
}
