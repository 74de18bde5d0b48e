package io.walletoutbox.relay;

import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcSlots;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;

/** CDC relay test helpers: a unique slot per test database, dropped at the end (slots are cluster-wide). */
public final class CdcTestSupport {
    private CdcTestSupport() {}

    /** A CDC configuration for {@code jdbcUrl} with a slot and publication named after its database. */
    public static CdcConfig config(String instanceId, String jdbcUrl, String user, RelayConfig relay) {
        var builder = CdcConfig.builder(instanceId, jdbcUrl, user, "");
        String name = "cdc_" + builder.build().database();
        if (name.length() > 63) {
            name = name.substring(0, 63);
        }
        return builder.slotName(name)
                .publicationName(name)
                .heartbeatInterval(Duration.ofSeconds(1))
                .maxBatchSize(relay.batchSize())
                .maxAttempts(relay.maxAttempts())
                .retryBackoff(relay.retryBackoff())
                .maxRetryBackoff(relay.maxRetryBackoff())
                .parkingPolicies(relay.parkingPolicies())
                .topics(relay.topics())
                .recordMapping(relay.recordMapping())
                .build();
    }

    /**
     * Drops the slot, publication and offsets of {@code config} once no relay reads the slot any more (a stopped
     * engine's WAL sender may take a moment to go), within a deadline.
     */
    public static AutoCloseable dropper(Jdbi jdbi, CdcConfig config) {
        return () -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                boolean active = jdbi.withHandle(h -> h.createQuery(
                                "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :s AND active)")
                        .bind("s", config.slotName())
                        .mapTo(Boolean.class)
                        .one());
                if (!active) {
                    CdcSlots.drop(jdbi, config);
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("slot " + config.slotName() + " still active");
                }
                Thread.sleep(100);
            }
        };
    }
}
