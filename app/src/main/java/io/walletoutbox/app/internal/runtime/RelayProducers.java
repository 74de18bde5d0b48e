package io.walletoutbox.app.internal.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.walletoutbox.relay.KafkaProducers;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;

/**
 * The polling relay's producers: it takes a new one after force-closing one whose send failed while later events
 * of the same key were queued (see {@code PollingRelay.create} with a producer factory). Each gets its own client
 * id ({@code wallet-outbox-relay}, then {@code -2}, {@code -3}, …) and its {@code kafka.producer.*} metrics, which
 * replace those of the producer before it. The relay closes the producers; {@link #close()} removes the metrics.
 */
final class RelayProducers implements Supplier<Producer<String, byte[]>>, AutoCloseable {
    private final String bootstrapServers;
    private final Map<String, ?> clientProperties;
    private final MeterRegistry registry;
    private int made;
    private KafkaClientMetrics metrics;

    RelayProducers(String bootstrapServers, Map<String, ?> clientProperties, MeterRegistry registry) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = clientProperties;
        this.registry = registry;
    }

    @Override
    public synchronized Producer<String, byte[]> get() {
        made++;
        String clientId = made == 1 ? "wallet-outbox-relay" : "wallet-outbox-relay-" + made;
        Producer<String, byte[]> producer = KafkaProducers.create(bootstrapServers, clientId, clientProperties);
        if (metrics != null) {
            metrics.close();
        }
        metrics = new KafkaClientMetrics(producer);
        metrics.bindTo(registry);
        return producer;
    }

    @Override
    public synchronized void close() {
        if (metrics != null) {
            metrics.close();
            metrics = null;
        }
    }
}
