package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.EmbeddedKafka;
import io.walletoutbox.outbox.OutboxEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The polling relay against a broker that requires SASL/SCRAM: given the client security properties through
 * {@link KafkaProducers#create(String, String, Map)} it publishes; with wrong credentials it publishes nothing,
 * keeps every event in the outbox and parks none (an authentication failure is not the record's fault: it is
 * counted as {@code denied}, retried with back-off until the credentials are right).
 */
class SaslRelayIT {
    private static final String USER = "relay";
    private static final String PASSWORD = "relay-scram-pass";
    private static final Duration LONG = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    RelayFixture fixture;
    EmbeddedKafka kafka;

    @BeforeEach
    void setUp() {
        fixture = new RelayFixture("SaslRelayIT");
        kafka = fixture.register(EmbeddedKafka.startWithScram(dir.resolve("kafka"), USER, PASSWORD));
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void relayPublishesThroughTheSaslBrokerOnlyWithTheClientSecurityProperties() {
        String topic = "sasl-relay";
        createTopic(kafka, topic, 4);
        var events = new ArrayList<OutboxEvent>();
        for (int i = 0; i < 40; i++) {
            events.add(RelayContractIT.event(topic, "key-" + (i % 4), i));
        }
        fixture.append(events);

        Map<String, Object> wrong = new HashMap<>(kafka.clientProperties());
        wrong.put(SaslConfigs.SASL_JAAS_CONFIG, EmbeddedKafka.scramJaasConfig(USER, "wrong-password"));
        var failures = new AtomicInteger();
        var denials = new AtomicInteger();
        var permanentFailures = new AtomicInteger();
        var published = new AtomicLong();
        RelayMetrics counting = new RelayMetrics() {
            @Override
            public void failed(boolean permanent) {
                (permanent ? permanentFailures : failures).incrementAndGet();
            }

            @Override
            public void denied() {
                denials.incrementAndGet();
            }

            @Override
            public void published(Duration sinceCreated) {
                published.incrementAndGet();
            }
        };
        try (Relay refused = relay("relay-wrong-credentials", wrong, counting)) {
            await(() -> denials.get() >= 3, LONG, "three publishing attempts refused");
            assertTrue(refused.isRunning(), "a relay refused by Kafka still runs (it waits for an operator)");
        }
        assertEquals(0, published.get());
        assertEquals(0, permanentFailures.get(), "an authentication failure is never a rejection of the record");
        assertEquals(events.size(), fixture.backlog(), "every event still in the outbox");
        assertEquals(0, parked());

        fixture.register(relay("relay-sasl", kafka.clientProperties(), RelayMetrics.NONE));
        await(() -> fixture.backlog() == 0, LONG, "the relay with credentials to publish every event");
        List<ConsumerRecord<String, byte[]>> records = readAll(kafka, topic, events.size());
        Map<String, List<Integer>> seqByKey = new LinkedHashMap<>();
        for (var record : records) {
            String value = new String(record.value(), StandardCharsets.UTF_8);
            seqByKey.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(RelayContractIT.seq(record));
            assertTrue(value.contains("\"key\":\"" + record.key() + "\""), value);
        }
        assertEquals(
                events.stream().map(OutboxEvent::id).collect(Collectors.toSet()),
                records.stream().map(TopicReader::ceId).collect(Collectors.toSet()),
                "every event published");
        seqByKey.forEach(
                (key, seqs) -> assertEquals(seqs.stream().sorted().toList(), seqs, "events of " + key + " in order"));
    }

    private Relay relay(String instanceId, Map<String, Object> security, RelayMetrics metrics) {
        RelayConfig config =
                RelayContractIT.config(instanceId).topics("sasl-relay").build();
        Relay relay = PollingRelay.create(
                fixture.pool(instanceId, config.workers() + 1),
                KafkaProducers.create(kafka.bootstrapServers(), instanceId, security),
                config,
                metrics);
        relay.start();
        return relay;
    }

    private long parked() {
        return fixture.jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox_parked")
                .mapTo(Long.class)
                .one());
    }

    /** Creates {@code topic} on the SASL broker {@code kafka}. */
    static void createTopic(EmbeddedKafka kafka, String topic, int partitions) {
        Map<String, Object> config = new HashMap<>(kafka.clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(config)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("could not create " + topic, e);
        }
    }

    /** Every record of {@code topic} from the beginning, read until there are {@code count}. */
    static List<ConsumerRecord<String, byte[]>> readAll(EmbeddedKafka kafka, String topic, int count) {
        Map<String, Object> config = new HashMap<>(kafka.clientProperties());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        var records = new ArrayList<ConsumerRecord<String, byte[]>>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await(
                    () -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                        return records.size() >= count;
                    },
                    LONG,
                    count + " records");
        }
        return records;
    }
}
