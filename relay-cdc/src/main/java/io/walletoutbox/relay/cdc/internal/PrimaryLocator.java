package io.walletoutbox.relay.cdc.internal;

import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcHost;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Finds which host of the relay's JDBC URL is the primary now. Debezium connects to one {@code database.hostname}
 * and cannot follow a multi-host URL itself, so the relay asks before each start of the engine: after a promotion,
 * the engine's next start reads the slot on the new primary.
 */
final class PrimaryLocator {
    private PrimaryLocator() {}

    /** The primary and its {@code server_version_num}. */
    record Primary(CdcHost host, int serverVersion) {}

    /**
     * Connects to each host in the URL's order and returns the first that is not in recovery.
     *
     * @throws SQLException when none is (all down, or a standby not promoted yet)
     */
    static Primary locate(CdcConfig config) throws SQLException {
        var props = new Properties();
        props.setProperty("user", config.user());
        props.setProperty("password", config.password());
        props.setProperty("connectTimeout", "5"); // the URL's own connectTimeout, when it has one, wins
        props.setProperty("ApplicationName", "walletoutbox-relay-cdc-probe");
        SQLException failure = null;
        var standbys = new java.util.ArrayList<String>();
        for (CdcHost host : config.hosts()) {
            try (Connection c = DriverManager.getConnection(
                            host.jdbcUrl(config.database(), config.singleHostQuery()), props);
                    var rs = c.createStatement()
                            .executeQuery("SELECT pg_is_in_recovery(), current_setting('server_version_num')::int")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return new Primary(host, rs.getInt(2));
                }
                standbys.add(host.host() + ":" + host.port());
            } catch (SQLException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        throw new SQLException(
                "no primary among " + config.hosts() + (standbys.isEmpty() ? "" : " (standbys: " + standbys + ")"),
                "08001",
                failure);
    }
}
