package io.walletoutbox.outbox.testkit;

import static io.walletoutbox.outbox.testkit.OutboxDatabase.event;
import static io.walletoutbox.outbox.testkit.OutboxTestKitIT.ids;
import static io.walletoutbox.outbox.testkit.OutboxTestKitIT.idsByKey;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.relay.KafkaProducers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** The kit publishing to a real Kafka broker: what drain() returns is what the topic holds. */
class OutboxTestKitKafkaIT {

    @Test
    void drainPublishesToKafkaAndReturnsWhatTheTopicHoldsInEachKeysOrder() {
        try (var db = new OutboxDatabase("testkit_kafka");
                Producer<String, byte[]> producer =
                        KafkaProducers.create(db.infra.bootstrapServers(), "testkit-kafka-it")) {
            String topic = db.infra.newTopic("testkit-orders", 3);
            var written = new LinkedHashMap<String, List<UUID>>();
            for (int tx = 0; tx < 3; tx++) {
                var events = new ArrayList<OutboxEvent>();
                for (String key : List.of("k1", "k2", "k3", "k4")) {
                    OutboxEvent e = event(topic, key, tx);
                    events.add(e);
                    written.computeIfAbsent(key, k -> new ArrayList<>()).add(e.id());
                }
                db.commit(events);
            }

            List<SentRecord> sent;
            try (var kit = OutboxTestKit.builder(db.dataSource)
                    .topics(topic)
                    .producer(producer)
                    .build()) {
                sent = kit.drain();
                kit.assertNoParked();
            }

            assertEquals(written, idsByKey(sent));
            assertEquals(0, db.backlog());
            List<ConsumerRecord<String, byte[]>> onTopic = readAll(db.infra.bootstrapServers(), topic, 12);
            var topicByKey = new LinkedHashMap<String, List<UUID>>();
            for (var r : onTopic) {
                String ceId = new String(r.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8);
                topicByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(UUID.fromString(ceId));
            }
            assertEquals(written, topicByKey, "the topic holds each key's events once, in order");
            assertEquals(12, ids(sent).stream().distinct().count());
        }
    }

    /** Reads {@code count} records of {@code topic} from the beginning (each partition in offset order). */
    private static List<ConsumerRecord<String, byte[]>> readAll(String bootstrapServers, String topic, int count) {
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var records = new ArrayList<ConsumerRecord<String, byte[]>>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(count, records.size(), "records on " + topic);
            return records;
        }
    }
}
