package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.DeadLetterReason;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends records given up for good to {@code <topic>.dlq}: same key, value and headers, plus {@code dlq_reason} (the
 * reason class, {@link DeadLetterReason#label()}), {@code dlq_error} (the error, cleaned and at most {@value
 * #MAX_ERROR} characters), {@code dlq_attempts} and {@code dlq_origin} (topic-partition@offset). A send waits for the broker's acknowledgement,
 * so the source offset is committed only once the dead letter is safe.
 */
final class DeadLetters implements AutoCloseable {
    /** The longest {@code dlq_error} header value, in code points. */
    static final int MAX_ERROR = 1000;

    private final String topic;
    private final KafkaProducer<String, byte[]> producer;

    DeadLetters(String bootstrapServers, String topic, Map<String, String> extra) {
        this.topic = topic;
        Map<String, Object> props = new HashMap<>();
        // Only the connection settings of the consumer's extra properties apply to this producer.
        extra.forEach((k, v) -> {
            if (k.startsWith("security.")
                    || k.startsWith("sasl.")
                    || k.startsWith("ssl.")
                    || k.equals("client.dns.lookup")) {
                props.put(k, v);
            }
        });
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    String topic() {
        return topic;
    }

    void send(ConsumerRecord<String, byte[]> record, DeadLetterReason reason, String error, int attempts) {
        var headers = new RecordHeaders(record.headers().toArray());
        headers.add("dlq_reason", bytes(reason.label()));
        headers.add("dlq_error", bytes(BillerText.clean(String.valueOf(error), MAX_ERROR)));
        headers.add("dlq_attempts", bytes(Integer.toString(attempts)));
        headers.add("dlq_origin", bytes(record.topic() + "-" + record.partition() + "@" + record.offset()));
        try {
            producer.send(new ProducerRecord<>(topic, null, record.key(), record.value(), headers))
                    .get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not dead-letter to " + topic + ": " + e, e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
