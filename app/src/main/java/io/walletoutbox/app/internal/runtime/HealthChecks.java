package io.walletoutbox.app.internal.runtime;

import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.http.HealthRoutes;
import io.walletoutbox.relay.Relay;
import io.walletoutbox.relay.cdc.CdcSlotMonitor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The health of an instance: readiness asks what it depends on (PostgreSQL, Kafka when a role uses it, the CDC
 * slot, the consumer); liveness names a background worker of its roles that has stopped (relay, consumer,
 * reconciliation job).
 */
final class HealthChecks {
    private HealthChecks() {}

    static HealthRoutes routes(
            AppConfig config,
            DataSource dataSource,
            Optional<Kafka> kafka,
            Optional<CdcSlotMonitor> slotMonitor,
            Optional<Relay> relay,
            Optional<ProviderWiring.Started> consumer) {
        List<HealthRoutes.Check> liveness = new ArrayList<>();
        relay.ifPresent(started -> liveness.add(new HealthRoutes.Check(
                "relay",
                () -> started.isRunning()
                        ? Optional.empty()
                        : Optional.of("the " + config.relayMode().name().toLowerCase(java.util.Locale.ROOT)
                                + " relay has stopped (see the log)"))));
        List<HealthRoutes.Check> checks = new ArrayList<>();
        checks.add(new HealthRoutes.Check("postgresql", () -> probeDatabase(dataSource)));
        kafka.ifPresent(k -> checks.add(new HealthRoutes.Check("kafka", k::probe)));
        // Every migration ran before anything was wired and a failed one stops the start, so an instance that
        // serves this route has its schema applied: the check only names that in the answer.
        checks.add(new HealthRoutes.Check("migrations", Optional::empty));
        slotMonitor.ifPresent(monitor -> checks.add(new HealthRoutes.Check(
                "cdc-slot",
                () -> monitor.current().acceptsWrites()
                        ? Optional.empty()
                        : Optional.of(monitor.current().detail()))));
        consumer.ifPresent(started -> {
            HealthRoutes.Check running = new HealthRoutes.Check(
                    "consumer",
                    () -> started.consumer().isRunning()
                            ? Optional.empty()
                            : Optional.of("the bill-payment consumer has stopped (see the log)"));
            HealthRoutes.Check job = new HealthRoutes.Check(
                    "reconciliation",
                    () -> started.job().isRunning()
                            ? Optional.empty()
                            : Optional.of("the reconciliation job has stopped (see the log)"));
            checks.add(running);
            liveness.add(running);
            liveness.add(job);
        });
        return new HealthRoutes(checks, liveness);
    }

    private static Optional<String> probeDatabase(DataSource ds) {
        try (var c = ds.getConnection();
                var s = c.createStatement()) {
            s.setQueryTimeout(2);
            s.execute("SELECT 1");
            return Optional.empty();
        } catch (Exception e) {
            return Optional.of("PostgreSQL does not answer: " + Kafka.rootMessage(e));
        }
    }
}
