package io.walletoutbox.app.internal.runtime;

import io.walletoutbox.app.internal.config.AppConfig;
import java.io.PrintStream;
import java.util.Optional;

/** The lines a started instance prints: its roles and where its ports, issuer, database, broker and biller are. */
final class StartupBanner {
    private StartupBanner() {}

    static void print(
            ServiceRuntime runtime,
            AppConfig config,
            Infrastructure infrastructure,
            Optional<Kafka.Provisioned> provisioned,
            PrintStream out) {
        Issuer issuer = runtime.issuer();
        out.println("wallet-outbox is up (roles "
                + config.roles().stream()
                        .map(r -> r.name().toLowerCase())
                        .sorted()
                        .toList() + ")");
        out.println("  HTTP API     http://localhost:" + runtime.httpPort() + "  (bearer tokens; /openapi.json)");
        out.println("  management   http://localhost:" + runtime.managementPort()
                + "  (/metrics, /health/ready; /admin/* with scope wallet:admin)");
        if (issuer.development()) {
            out.println(
                    "  issuer       " + issuer.url() + "  DEVELOPMENT ISSUER: anyone on this machine can mint tokens;"
                            + " set AUTH_ISSUER in production (tokens: bin/token alice)");
        } else {
            out.println("  issuer       " + issuer.url());
        }
        out.println("  PostgreSQL   " + AppConfig.redactUrl(infrastructure.jdbcUrl())
                + (infrastructure.embeddedDatabase() ? "  (embedded, user postgres)" : ""));
        provisioned.ifPresentOrElse(
                topics -> out.println("  Kafka        " + infrastructure.bootstrapServers()
                        + (infrastructure.embeddedKafka() ? "  (embedded broker)" : "") + "  topic "
                        + config.eventsTopic() + " (" + topics.partitions() + " partitions, replication "
                        + topics.replicationFactor() + ", min.insync.replicas " + topics.minInsyncReplicas() + ")"),
                () -> out.println("  Kafka        not used by the api role"));
        runtime.simulatorUrl().ifPresent(url -> out.println("  biller sim   " + url));
        config.providerBaseUrl().ifPresent(url -> out.println("  biller       " + url));
        out.flush();
    }
}
