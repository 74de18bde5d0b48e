package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.EmbeddedKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole payment flow with the service's Kafka requiring SASL/SCRAM: the service's admin client creates its
 * events topic on that broker, the relay publishes over SASL, the consumer reads over SASL and pays the biller once.
 */
class SaslPaymentFlowIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "sasl-flow.events-" + UUID.randomUUID();
    private static EmbeddedKafka kafka;
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        kafka = ScramKafka.get();
        Map<String, String> env = new HashMap<>(kafka.serviceEnvironment());
        env.put("EVENTS_TOPIC", TOPIC);
        env.put("TOPIC_PARTITIONS", "2");
        service = new ServiceHarness("sasl_flow", env);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void billPaymentSucceedsThroughABrokerThatRequiresScram() throws Exception {
        assertEquals("SASL_PLAINTEXT", kafka.serviceEnvironment().get("KAFKA_SECURITY_PROTOCOL"));
        String wallet = service.walletWith(5_000);
        var accepted = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-SASL\",\"amount\":2500}",
                "pay-" + wallet);
        assertEquals(202, accepted.statusCode(), accepted.body());
        String id = JSON.readTree(accepted.body()).get("id").asText();
        ServiceHarness.await(
                Duration.ofSeconds(60), "payment " + id + " to succeed", () -> "SUCCEEDED".equals(service.status(id)));
        assertEquals(2_500, service.balance(wallet));

        long charged = 0;
        for (JsonNode charge : JSON.readTree(service.getAbsolute(service.simulatorUrl + "/v1/charges"))) {
            if (charge.get("idempotencyKey").asText().equals(id)) {
                charged++;
                assertEquals(2_500, charge.get("amount").asLong());
            }
        }
        assertEquals(1, charged, "the biller charged the payment exactly once");

        // The events went through the SCRAM broker, on the topic the service created there.
        Map<String, Object> config = new HashMap<>(kafka.clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(config)) {
            Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertTrue(topics.contains(TOPIC), "the service created " + TOPIC + " on the SCRAM broker: " + topics);
            var partitions = admin
                    .describeTopics(Set.of(TOPIC))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(TOPIC)
                    .partitions()
                    .stream()
                    .map(p -> new TopicPartition(TOPIC, p.partition()))
                    .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
            long events = admin.listOffsets(partitions).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(o -> o.offset())
                    .sum();
            assertTrue(events >= 2, "the payment's requested and succeeded events went over SASL: " + events);
        }
    }
}
