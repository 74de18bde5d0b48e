package io.walletoutbox.relay;

import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcSlots;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

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
     * A data source on {@code jdbcUrl} as {@code user} (empty password) opening a connection per use, as {@code
     * Jdbi.create(url, user, "")} did: nothing to close.
     */
    public static DataSource dataSource(String jdbcUrl, String user) {
        var ds = new PGSimpleDataSource();
        ds.setURL(jdbcUrl);
        ds.setUser(user);
        ds.setPassword("");
        return ds;
    }

    /** {@link #dataSource(String, String)} on the fixture's database. */
    static DataSource dataSource(RelayFixture fixture) {
        return dataSource(fixture.url, fixture.infra.user());
    }

    /**
     * Drops the slot, publication and offsets of {@code config} once no relay reads the slot any more (a stopped
     * engine's WAL sender may take a moment to go), within a deadline.
     */
    public static AutoCloseable dropper(DataSource dataSource, CdcConfig config) {
        return () -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                boolean active;
                try (Connection c = dataSource.getConnection();
                        PreparedStatement q = c.prepareStatement(
                                "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ? AND active)")) {
                    q.setString(1, config.slotName());
                    try (ResultSet rs = q.executeQuery()) {
                        rs.next();
                        active = rs.getBoolean(1);
                    }
                }
                if (!active) {
                    CdcSlots.drop(dataSource, config);
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
