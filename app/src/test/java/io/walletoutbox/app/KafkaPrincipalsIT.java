package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.runtime.StartupException;
import io.walletoutbox.app.internal.runtime.TopicProvisioning;
import io.walletoutbox.embedded.SecuredKafka;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.provider.BillPaymentConsumerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka principals per role (invariant I10), against a broker locked down as in production ({@link SecuredKafka}:
 * SASL_SSL with SCRAM-SHA-512, {@code StandardAuthorizer}, no ACL no access): the admin creates the ACLs of
 * docs/operations.md ("Kafka topics") and the topics ({@code provision-topics}); the relay and the consumer then run
 * with {@code TOPIC_PROVISIONING=verify}, each as its own principal, the api with no Kafka credentials at all, and a
 * payment settles. The consumer's principal is refused a produce to the events topic, the relay's a read of it.
 */
class KafkaPrincipalsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "principals.events-" + UUID.randomUUID();
    private static final String DLQ = TOPIC + ".dlq";
    private static SecuredKafka kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = SecuredKafka.start(Files.createTempDirectory("secured-kafka"), List.of("relay", "consumer"));
        try (Admin admin = Admin.create(withBootstrap(kafka.clientProperties(SecuredKafka.ADMIN)))) {
            admin.createAcls(acls()).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** The ACLs of docs/operations.md, "Kafka topics": the relay writes the events, the consumer reads them. */
    private static List<AclBinding> acls() {
        List<AclBinding> acls = new ArrayList<>();
        allow(acls, "relay", ResourceType.TOPIC, TOPIC, AclOperation.WRITE, AclOperation.DESCRIBE_CONFIGS);
        allow(acls, "consumer", ResourceType.TOPIC, TOPIC, AclOperation.READ, AclOperation.DESCRIBE_CONFIGS);
        allow(acls, "consumer", ResourceType.GROUP, BillPaymentConsumerConfig.DEFAULT_GROUP, AclOperation.READ);
        allow(acls, "consumer", ResourceType.TOPIC, DLQ, AclOperation.WRITE, AclOperation.DESCRIBE_CONFIGS);
        return acls;
    }

    private static void allow(
            List<AclBinding> acls, String user, ResourceType type, String name, AclOperation... operations) {
        for (AclOperation operation : operations) {
            acls.add(new AclBinding(
                    new ResourcePattern(type, name, PatternType.LITERAL),
                    new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW)));
        }
    }

    @Test
    void eachRoleRunsAsItsOwnPrincipalAndOnlyWithItsRights() throws Exception {
        // Before provisioning: the relay's principal may not create the topic; a verifying consumer finds none.
        var create = assertThrows(
                StartupException.class,
                () -> service("relay", "relay", "create", "early").close());
        assertTrue(create.misconfigured(), create.getMessage());
        assertTrue(create.getMessage().contains("may not create topic " + TOPIC), create.getMessage());
        var absent = assertThrows(
                StartupException.class,
                () -> service("consumer", "consumer", "verify", "early").close());
        assertTrue(absent.getMessage().contains("does not exist"), absent.getMessage());

        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        Map<String, String> adminEnv = new HashMap<>(kafka.serviceEnvironment(SecuredKafka.ADMIN));
        adminEnv.put("EVENTS_TOPIC", TOPIC);
        adminEnv.put("TOPIC_PARTITIONS", "2");
        int code = TopicProvisioning.run(
                AppConfig.load(adminEnv, new String[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("created"), out.toString(StandardCharsets.UTF_8));

        String database = SharedInfrastructure.get().newDatabase("principals");
        try (var relay = service("relay", "relay", "verify", database);
                var consumer = service("consumer", "consumer", "verify", database);
                var api = apiWithoutCredentials(database)) {
            String wallet = api.walletWith(5_000);
            var accepted = api.post(
                    "/wallets/" + wallet + "/bill-payments",
                    "{\"biller\":\"wifi\",\"customerRef\":\"ACC-ACL\",\"amount\":2000}",
                    "pay-" + wallet);
            assertEquals(202, accepted.statusCode(), accepted.body());
            String id = JSON.readTree(accepted.body()).get("id").asText();
            ServiceHarness.await(
                    Duration.ofSeconds(60), "payment " + id + " to succeed", () -> "SUCCEEDED".equals(api.status(id)));
            assertEquals(3_000, api.balance(wallet));
            long charged = 0;
            for (JsonNode charge : JSON.readTree(api.getAbsolute(consumer.simulatorUrl + "/v1/charges"))) {
                if (charge.get("idempotencyKey").asText().equals(id)) {
                    charged++;
                }
            }
            assertEquals(1, charged, "the consumer, as its own principal, paid the biller once");
            for (var instance : List.of(relay, consumer)) {
                var ready = instance.get("/health/ready");
                assertEquals(200, ready.statusCode(), ready.body());
            }
        }

        assertConsumerCannotProduceEvents();
        assertRelayCannotReadEvents();
    }

    private static void assertConsumerCannotProduceEvents() {
        Map<String, Object> config = withBootstrap(kafka.clientProperties("consumer"));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (var producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            var refused = assertThrows(
                    ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(TOPIC, "forged".getBytes(StandardCharsets.UTF_8)))
                            .get(60, TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause(), refused.toString());
        }
    }

    private static void assertRelayCannotReadEvents() {
        Map<String, Object> config = withBootstrap(kafka.clientProperties("relay"));
        config.put(ConsumerConfig.GROUP_ID_CONFIG, BillPaymentConsumerConfig.DEFAULT_GROUP);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var reader = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            reader.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            AuthorizationException refused = null;
            while (refused == null && System.nanoTime() < deadline) {
                try {
                    assertEquals(0, reader.poll(Duration.ofMillis(500)).count(), "the relay read an event");
                } catch (AuthorizationException e) {
                    refused = e;
                }
            }
            assertInstanceOf(AuthorizationException.class, refused, "the relay's principal was never refused");
        }
    }

    /** An instance with {@code roles}, connecting as {@code user}, on {@code database} (a URL; else a new one). */
    private static ServiceHarness service(String roles, String user, String provisioning, String database) {
        Map<String, String> env = new HashMap<>(kafka.serviceEnvironment(user));
        env.put("ROLES", roles);
        env.put("EVENTS_TOPIC", TOPIC);
        env.put("TOPIC_PARTITIONS", "2");
        env.put("TOPIC_PROVISIONING", provisioning);
        if (database.startsWith("jdbc:")) {
            env.put("DATABASE_URL", database);
        }
        return new ServiceHarness("principals_" + roles, env);
    }

    /** The api role, given the broker's address but no Kafka credentials: it never connects. */
    private static ServiceHarness apiWithoutCredentials(String database) {
        return new ServiceHarness(
                "principals_api",
                Map.of(
                        "ROLES",
                        "api",
                        "DATABASE_URL",
                        database,
                        "KAFKA_BOOTSTRAP_SERVERS",
                        kafka.bootstrapServers(),
                        "EVENTS_TOPIC",
                        TOPIC,
                        "TOPIC_PROVISIONING",
                        "verify"));
    }

    private static Map<String, Object> withBootstrap(Map<String, Object> properties) {
        Map<String, Object> config = new HashMap<>(properties);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return config;
    }
}
