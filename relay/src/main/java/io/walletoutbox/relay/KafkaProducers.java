package io.walletoutbox.relay;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The producer settings every relay uses: idempotent, {@code acks=all}, ordered per partition. */
public final class KafkaProducers {
    private KafkaProducers() {}

    /**
     * The relay's producer properties (also used by the benchmark's reference run, so both measure the same).
     * A publishing cycle lasts at most about {@code deliveryTimeoutMs} plus {@code max.block.ms} (a third of it,
     * at most 5 s), which must stay below the relay's {@link RelayConfig#stallTimeout()}.
     *
     * @param bootstrapServers the Kafka brokers ({@code bootstrap.servers}), {@code host:port,…}
     * @param clientId the producer's {@code client.id}, in the brokers' logs and quotas
     * @param deliveryTimeoutMs the producer's {@code delivery.timeout.ms}; {@code request.timeout.ms} and {@code
     *     max.block.ms} are derived from it
     * @return a new, modifiable map of producer properties, without serializers
     */
    public static Map<String, Object> settings(String bootstrapServers, String clientId, int deliveryTimeoutMs) {
        return settings(bootstrapServers, clientId, deliveryTimeoutMs, Map.of());
    }

    /**
     * As {@link #settings(String, String, int)}, on top of {@code extra} client properties (connection security:
     * {@code security.protocol}, {@code sasl.*}, {@code ssl.*}). The relay's own settings win over {@code extra},
     * so no extra property can weaken {@code acks=all}, idempotence or the timeouts.
     *
     * @param bootstrapServers the Kafka brokers ({@code bootstrap.servers}), {@code host:port,…}
     * @param clientId the producer's {@code client.id}
     * @param deliveryTimeoutMs the producer's {@code delivery.timeout.ms}
     * @param extra further client properties, overridden by the relay's own where they name the same key
     * @return a new, modifiable map of producer properties, without serializers
     */
    public static Map<String, Object> settings(
            String bootstrapServers, String clientId, int deliveryTimeoutMs, Map<String, ?> extra) {
        Map<String, Object> p = new HashMap<>(extra);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(10_000, deliveryTimeoutMs - 5));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, deliveryTimeoutMs);
        // send() waits this long for a topic's metadata while Kafka is away; the relay stops a batch at the first
        // such failure, so one cycle lasts at most about max.block.ms + delivery.timeout.ms.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(5_000, Math.max(100, deliveryTimeoutMs / 3)));
        return p;
    }

    /**
     * A producer with {@link #settings} (delivery timeout 15 s, so a cycle stays within 20 s, below the default
     * 30 s stall timeout) and the relay's serializers (String key, byte[] value).
     *
     * @param bootstrapServers the Kafka brokers ({@code bootstrap.servers}), {@code host:port,…}
     * @param clientId the producer's {@code client.id}
     * @return a new producer, which the caller (or the relay it is given to) closes
     */
    public static Producer<String, byte[]> create(String bootstrapServers, String clientId) {
        return create(bootstrapServers, clientId, Map.of());
    }

    /**
     * As {@link #create(String, String)}, with {@code extra} client properties (connection security) applied
     * before the relay's own settings; see {@link #settings(String, String, int, Map)}.
     *
     * @param bootstrapServers the Kafka brokers ({@code bootstrap.servers}), {@code host:port,…}
     * @param clientId the producer's {@code client.id}
     * @param extra further client properties, overridden by the relay's own where they name the same key
     * @return a new producer, which the caller (or the relay it is given to) closes
     */
    public static Producer<String, byte[]> create(String bootstrapServers, String clientId, Map<String, ?> extra) {
        return new KafkaProducer<>(
                settings(bootstrapServers, clientId, 15_000, extra), new StringSerializer(), new ByteArraySerializer());
    }
}
