package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.SharedInfrastructure;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The payment flow with {@code RELAY_MODE=cdc}: events go out as logical decoding messages, read from the WAL by
 * the CDC relay; the outbox table is never written. The slot (cluster-wide) is dropped at the end.
 */
class WalletFlowCdcIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        service = new ServiceHarness("flow_cdc", Map.of("RELAY_MODE", "cdc"));
    }

    @AfterAll
    static void stop() {
        if (service == null) {
            return;
        }
        service.close();
        TracingContract.dropSlot(service);
    }

    @Test
    void paidAndDeclinedPaymentsSettleThroughTheWriteAheadLog() throws Exception {
        String wallet = service.walletWith(5_000);
        var paid = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1001\",\"amount\":2500}",
                "pay-" + wallet);
        assertEquals(202, paid.statusCode(), paid.body());
        var declined = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"DECLINE-7\",\"amount\":400}",
                "decline-" + wallet);
        assertEquals(202, declined.statusCode(), declined.body());
        assertEquals(2100, service.balance(wallet), "both debited in their request's transaction");
        String paidId = JSON.readTree(paid.body()).get("id").asText();
        String declinedId = JSON.readTree(declined.body()).get("id").asText();

        ServiceHarness.await(
                Duration.ofSeconds(60), "payment to succeed", () -> "SUCCEEDED".equals(service.status(paidId)));
        ServiceHarness.await(
                Duration.ofSeconds(60), "payment to fail", () -> "FAILED".equals(service.status(declinedId)));
        assertEquals(2500, service.balance(wallet), "the declined one refunded exactly once");

        JsonNode charges = JSON.readTree(service.getAbsolute(service.simulatorUrl + "/v1/charges"));
        long mine = 0;
        for (JsonNode charge : charges) {
            if (charge.get("idempotencyKey").asText().equals(paidId)) {
                mine++;
            }
        }
        assertEquals(1, mine, "the biller charged the payment exactly once");

        Jdbi jdbi = Jdbi.create(service.jdbcUrl, SharedInfrastructure.get().user(), "");
        long rows = jdbi.withHandle(
                h -> h.createQuery("SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'outbox_event'")
                        .mapTo(Long.class)
                        .one());
        assertEquals(0, rows, "no outbox row was ever inserted in cdc mode");
        // Four events went out (two requests, a success, a failure) and were confirmed: the gauge reads the slot.
        String metrics = service.get("/metrics").body();
        var gauge = Pattern.compile("relay_cdc_slot_retained_wal_bytes\\{[^}]*} ([0-9.E+-]+)")
                .matcher(metrics);
        assertTrue(gauge.find(), "retained WAL gauge exported");
        assertTrue(Double.parseDouble(gauge.group(1)) >= 0, "the slot exists: " + gauge.group(1));
    }
}
