package io.walletoutbox.embedded.internal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.FinalizedVersionRange;

/**
 * Reads what a benchmark ran on, for its {@code INFRA} line: PostgreSQL's {@code version()} and non-default
 * settings, Kafka's {@code metadata.version} and broker count. A part that cannot be read is {@code ?} (with the
 * reason on standard error): the line names the infrastructure, it never stops a benchmark.
 */
public final class InfraProbe {
    private InfraProbe() {}

    /** {@code postgres="…" settings="name=value,…"} of the server of {@code jdbcUrl}. */
    public static String postgres(String jdbcUrl, String user, String password) {
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
                var s = c.createStatement()) {
            String version;
            try (var rs = s.executeQuery("SELECT version()")) {
                rs.next();
                version = rs.getString(1);
            }
            // "PostgreSQL 15.14 (Debian 15.14-0+deb12u1) on x86_64-pc-linux-gnu, compiled by …": the part that
            // names the server; the build platform says nothing about its performance.
            int on = version.indexOf(" on ");
            version = on > 0 ? version.substring(0, on) : version;
            // The server's own settings (its configuration files and command line, not this connection's) that
            // differ from the built-in value; without the locale initdb copied from the machine, nor
            // the addresses and file paths, which name a machine rather than a configuration.
            var settings = new ArrayList<String>();
            try (var rs = s.executeQuery("""
                    SELECT name, current_setting(name) FROM pg_settings
                     WHERE source NOT IN ('default', 'override', 'client', 'session')
                       AND setting IS DISTINCT FROM boot_val
                       AND name NOT LIKE 'lc\\_%'
                       AND name NOT IN ('log_timezone', 'TimeZone', 'DateStyle', 'port', 'listen_addresses')
                       AND setting NOT LIKE '/%'
                     ORDER BY name""")) {
                while (rs.next()) {
                    settings.add(rs.getString(1) + "=" + rs.getString(2));
                }
            }
            return "postgres=" + quoted(version) + " settings=" + quoted(String.join(",", settings));
        } catch (SQLException e) {
            System.err.println("INFRA: cannot read the PostgreSQL server's version and settings: " + e.getMessage());
            return "postgres=\"?\" settings=\"?\"";
        }
    }

    /**
     * {@code kafka="<version>" brokers=<n>}: the cluster's finalized {@code metadata.version} (the broker software
     * version it runs at, e.g. {@code 4.3-IV0}; its feature level when this class path has no broker to name it).
     */
    public static String kafka(Map<String, Object> adminSettings) {
        if (!adminSettings.containsKey(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            return "kafka=\"-\" brokers=0";
        }
        var settings = new java.util.HashMap<>(adminSettings);
        settings.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        settings.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        try (Admin admin = Admin.create(settings)) {
            int brokers =
                    admin.describeCluster().nodes().get(15, TimeUnit.SECONDS).size();
            FinalizedVersionRange level = admin.describeFeatures()
                    .featureMetadata()
                    .get(15, TimeUnit.SECONDS)
                    .finalizedFeatures()
                    .get("metadata.version");
            String version = level == null ? "?" : metadataVersion(level.maxVersionLevel());
            return "kafka=" + quoted(version) + " brokers=" + brokers;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("INFRA: cannot read the Kafka cluster's version: " + e);
            return "kafka=\"?\" brokers=?";
        }
    }

    /** The name of a {@code metadata.version} feature level, through the broker's own table when it is at hand. */
    private static String metadataVersion(short level) {
        try {
            Class<?> type = Class.forName("org.apache.kafka.server.common.MetadataVersion");
            Object version = type.getMethod("fromFeatureLevel", short.class).invoke(null, level);
            return type.getMethod("version").invoke(version).toString();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return "metadata.version level " + level;
        }
    }

    private static String quoted(String text) {
        return "\"" + text.replace('"', '\'').replace('\n', ' ') + "\"";
    }
}
