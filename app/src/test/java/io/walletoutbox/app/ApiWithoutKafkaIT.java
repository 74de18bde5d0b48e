package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.LoopbackPorts;
import io.walletoutbox.embedded.SharedInfrastructure;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The API needs PostgreSQL alone (invariant I10): an instance with only the api role starts, is ready and takes
 * payments while no broker is reachable at all ({@code KAFKA_BOOTSTRAP_SERVERS} names a closed port); the payments
 * wait in the outbox and settle once a relay and a consumer run against a real broker on the same database.
 */
class ApiWithoutKafkaIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void apiOnlyInstanceServesPaymentsWithTheBrokerUnreachableAndARelayDeliversThemLater() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        String database = infra.newDatabase("api_no_kafka");
        String topic = infra.newTopic("api-no-kafka.events", 4);
        String unreachable = "127.0.0.1:" + LoopbackPorts.free();
        try (var api = new ServiceHarness(
                "api_no_kafka",
                Map.of(
                        "ROLES", "api",
                        "DATABASE_URL", database,
                        "KAFKA_BOOTSTRAP_SERVERS", unreachable,
                        "EVENTS_TOPIC", topic,
                        "TOPIC_PROVISIONING", "verify"))) {
            var ready = api.get("/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            JsonNode checks = JSON.readTree(ready.body());
            assertFalse(ready.body().contains("kafka"), "an api-only instance does not check Kafka: " + ready.body());
            assertTrue(checks.toString().contains("postgresql"), ready.body());

            String wallet = api.walletWith(10_000);
            var accepted = api.post(
                    "/wallets/" + wallet + "/bill-payments",
                    "{\"biller\":\"wifi\",\"customerRef\":\"ACC-NOKAFKA\",\"amount\":2500}",
                    "pay-" + wallet);
            assertEquals(202, accepted.statusCode(), accepted.body());
            String payment = JSON.readTree(accepted.body()).get("id").asText();
            assertEquals("PENDING", api.status(payment));
            assertEquals(1, api.count("SELECT count(*) FROM outbox_event"), "the event waits in the outbox");

            // A relay and a consumer on the same database, against a real broker: the payment settles.
            try (var worker = new ServiceHarness(
                    "api_no_kafka_worker",
                    Map.of(
                            "ROLES",
                            "relay,consumer",
                            "DATABASE_URL",
                            database,
                            "EVENTS_TOPIC",
                            topic,
                            "PROVIDER_BASE_URL",
                            api.simulatorUrl))) {
                ServiceHarness.await(
                        Duration.ofSeconds(60),
                        "payment " + payment + " to succeed",
                        () -> "SUCCEEDED".equals(api.status(payment)));
                var workerReady = worker.get("/health/ready");
                assertEquals(200, workerReady.statusCode(), workerReady.body());
                assertTrue(workerReady.body().contains("kafka"), workerReady.body());
            }
            assertEquals(7_500, api.balance(wallet));
        }
    }
}
