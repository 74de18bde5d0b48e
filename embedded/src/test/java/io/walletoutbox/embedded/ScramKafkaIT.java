package io.walletoutbox.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker of {@link EmbeddedKafka#startWithScram}: only a client with the SCRAM credentials gets in. */
class ScramKafkaIT {
    private static final String USER = "wallet-svc";
    private static final String PASSWORD = "scram-test-pass";

    @TempDir
    static Path dir;

    static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.startWithScram(dir.resolve("kafka"), USER, PASSWORD);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** A producer of the SASL listener with {@code security} on top of short, bounded timeouts. */
    private static KafkaProducer<String, String> producer(Map<String, Object> security) {
        Map<String, Object> p = new HashMap<>(security);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    @Test
    void clientWithoutCredentialsCannotProduce() {
        long started = System.nanoTime();
        try (var producer = producer(Map.of())) {
            var e = assertThrows(
                    Exception.class,
                    () -> producer.send(new ProducerRecord<>("scram-none", "k", "v"))
                            .get(30, TimeUnit.SECONDS));
            // The broker closes a connection that skips the SASL handshake, so the client never gets metadata.
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            assertInstanceOf(TimeoutException.class, cause, () -> "unexpected: " + e);
        }
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(30), "bounded by max.block.ms");
    }

    @Test
    void clientWithWrongPasswordGetsAnAuthenticationError() {
        Map<String, Object> wrong = new HashMap<>(kafka.clientProperties());
        wrong.put(SaslConfigs.SASL_JAAS_CONFIG, EmbeddedKafka.scramJaasConfig(USER, "not-the-password"));
        try (var producer = producer(wrong)) {
            var e = assertThrows(
                    ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("scram-wrong", "k", "v"))
                            .get(30, TimeUnit.SECONDS));
            assertInstanceOf(SaslAuthenticationException.class, e.getCause());
        }
        Map<String, Object> admin = new HashMap<>(wrong);
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin a = Admin.create(admin)) {
            var e = assertThrows(
                    ExecutionException.class, () -> a.describeCluster().nodes().get(30, TimeUnit.SECONDS));
            assertInstanceOf(SaslAuthenticationException.class, e.getCause());
        }
    }

    @Test
    void clientWithCredentialsProducesAndConsumes() throws Exception {
        assertEquals("SASL_PLAINTEXT", kafka.clientProperties().get("security.protocol"));
        assertEquals(
                EmbeddedKafka.scramJaasConfig(USER, PASSWORD),
                kafka.saslJaasConfig().orElseThrow());
        assertEquals(kafka.bootstrapServers(), kafka.serviceEnvironment().get("KAFKA_BOOTSTRAP_SERVERS"));
        assertEquals("SCRAM-SHA-256", kafka.serviceEnvironment().get("KAFKA_SASL_MECHANISM"));
        try (var producer = producer(kafka.clientProperties())) {
            // The topic is created on first use: the client may create topics.
            producer.send(new ProducerRecord<>("scram-ok", "key-1", "hello")).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> c = new HashMap<>(kafka.clientProperties());
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "scram-it");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("scram-ok"));
            List<ConsumerRecord<String, String>> read = new ArrayList<>();
            Conditions.await(Duration.ofSeconds(60), "the record read back", () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
                return !read.isEmpty();
            });
            assertEquals("key-1", read.getFirst().key());
            assertEquals("hello", read.getFirst().value());
            consumer.commitSync(); // group coordination works for the user too
        }
    }
}
