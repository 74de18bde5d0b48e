package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.app.internal.runtime.StartupException;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcSlots;
import java.time.Duration;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * The guards around the outbox mode: a deployment's instances agree on RELAY_MODE (the database records it), and in
 * CDC mode the writers refuse payments (503, readiness down) once the replication slot is gone, instead of debiting
 * money whose events no relay would ever read.
 */
class OutboxModeGuardsIT {

    @Test
    void anInstanceInTheOtherRelayModeIsRefused() {
        try (var polling = new ServiceHarness("mode_guard", Map.of("ROLES", "api"))) {
            var e = assertThrows(
                    StartupException.class,
                    () -> new ServiceHarness(
                                    "mode_guard_other",
                                    Map.of(
                                            "ROLES", "api",
                                            "RELAY_MODE", "cdc",
                                            "DATABASE_URL", polling.jdbcUrl))
                            .close());
            assertTrue(e.misconfigured(), e.getMessage());
            assertTrue(e.getMessage().startsWith("RELAY_MODE:"), e.getMessage());
        }
    }

    @Test
    void withoutItsReplicationSlotTheCdcWriterRefusesPaymentsAndChangesNothing() {
        // api only: no CDC relay holds the slot, so the test can drop it as an operator (or max_slot_wal_keep_size)
        // would
        var infra = SharedInfrastructure.get();
        try (var service = new ServiceHarness("slot_guard", Map.of("ROLES", "api", "RELAY_MODE", "cdc"));
                HikariDataSource ds = TestPools.pool(service.jdbcUrl, 2)
                        .user(infra.user(), "")
                        .open()) {
            String wallet = service.walletWith(10_000);
            var before = service.post(
                    "/wallets/" + wallet + "/bill-payments",
                    "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1\",\"amount\":1000}",
                    "slot-ok");
            assertEquals(202, before.statusCode(), before.body());

            Jdbi jdbi = Jdbi.create(ds);
            CdcSlots.drop(
                    ds,
                    CdcConfig.builder("test", service.jdbcUrl, infra.user(), "").build());
            ServiceHarness.await(
                    Duration.ofSeconds(30),
                    "readiness to report the slot",
                    () -> service.get("/health/ready").statusCode() == 503);
            assertTrue(service.get("/health/ready").body().contains("\"cdc-slot\":{\"status\":\"DOWN\""));

            var refused = service.post(
                    "/wallets/" + wallet + "/bill-payments",
                    "{\"biller\":\"wifi\",\"customerRef\":\"ACC-2\",\"amount\":1000}",
                    "slot-gone");
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("/problems/writes-refused"), refused.body());
            assertTrue(refused.headers().firstValue("Retry-After").isPresent());
            assertEquals(9_000, service.balance(wallet), "nothing debited");
            long payments = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM bill_payment")
                    .mapTo(Long.class)
                    .one());
            assertEquals(1, payments, "no payment row for the refused request");

            // The runbook (CdcSlotRefusingPayments): an instance that starts creates the slot again; the writers
            // take payments once they see it, without a restart of this one.
            CdcSlots.ensureSlot(
                    ds,
                    CdcConfig.builder("runbook", service.jdbcUrl, infra.user(), "")
                            .build());
            ServiceHarness.await(
                    Duration.ofSeconds(30),
                    "readiness after the slot is back",
                    () -> service.get("/health/ready").statusCode() == 200);
            var after = service.post(
                    "/wallets/" + wallet + "/bill-payments",
                    "{\"biller\":\"wifi\",\"customerRef\":\"ACC-2\",\"amount\":1000}",
                    "slot-back");
            assertEquals(202, after.statusCode(), after.body());
            CdcSlots.drop(
                    ds,
                    CdcConfig.builder("cleanup", service.jdbcUrl, infra.user(), "")
                            .build());
        }
    }
}
