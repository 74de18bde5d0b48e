package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.ops.chaos.Checker.Event;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic whole for the checks (the events topic, its dead-letter topic), as {@link Event}s: a value that is
 * not JSON is read as null, so a malformed record is still seen.
 */
final class TopicReader {
    private TopicReader() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads every record of {@code topic} from the beginning to its end as it was when the read began (committed
     * records only); throws when that end is not reached within 120 s.
     */
    static List<Event> readAll(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<Event> events = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            if (parts.isEmpty()) {
                return events;
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode value;
                    try {
                        value = JSON.readTree(r.value());
                    } catch (Exception e) {
                        value = null;
                    }
                    Map<String, String> headers = new HashMap<>();
                    for (Header h : r.headers()) {
                        if (h.value() != null) {
                            headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
                        }
                    }
                    events.add(new Event(
                            r.partition(),
                            r.offset(),
                            r.key(),
                            header(r, "ce_id"),
                            header(r, "ce_type"),
                            value,
                            Map.copyOf(headers)));
                }
            }
            if (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                throw new IllegalStateException("could not read topic " + topic + " to its end");
            }
        }
        return events;
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
