package io.walletoutbox.ops.chaos;

import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The tool's own records on the scenario's events topic, written past the outbox (poison, foreign, malformed and
 * forged records): a producer, and the write that remembers each record in {@link ScenarioRun#injected} with what
 * must become of it, for I5's dead-letter check.
 */
final class TopicRecords {
    private TopicRecords() {}

    /** A producer of raw records onto the scenario's topic (acks=all). */
    static KafkaProducer<String, byte[]> producer(ScenarioRun r) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, r.cluster.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Writes one record onto the events topic (key {@code key}, header {@code ce_type} unless null, a fresh UUID
     * {@code ce_id} when {@code withId}, value {@code value} or none when null) and remembers where it landed and
     * the {@code dlq_reason} its dead letter must carry ({@code null}: the consumer must pass over it).
     */
    static void inject(
            ScenarioRun r,
            KafkaProducer<String, byte[]> producer,
            String what,
            String key,
            String ceType,
            boolean withId,
            String value,
            String deadLetterReason)
            throws Exception {
        injectWithId(
                r, producer, what, key, ceType, withId ? UUID.randomUUID().toString() : null, value, deadLetterReason);
    }

    /** {@link #inject} with the given {@code ce_id} ({@code null}: none). */
    static void injectWithId(
            ScenarioRun r,
            KafkaProducer<String, byte[]> producer,
            String what,
            String key,
            String ceType,
            String ceId,
            String value,
            String deadLetterReason)
            throws Exception {
        var record = new ProducerRecord<String, byte[]>(
                r.cluster.topic(), key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        if (ceId != null) {
            record.headers().add("ce_id", ceId.getBytes(StandardCharsets.UTF_8));
        }
        if (ceType != null) {
            record.headers().add("ce_type", ceType.getBytes(StandardCharsets.UTF_8));
        }
        var meta = producer.send(record).get();
        r.injected.add(new Checker.Injected(meta.partition(), meta.offset(), ceId, deadLetterReason, what));
    }
}
