package io.walletoutbox.outbox.testkit.internal;

import io.walletoutbox.outbox.testkit.SentRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;

/**
 * The caller's producer, seen through: each acknowledged send goes into an {@link AckLog} (from the send's
 * callback, so in acknowledgement order). Closing it leaves the caller's producer open: the kit hands it to
 * relays, which close their producer, while the producer stays the caller's.
 */
public final class AckRecordingProducer implements Producer<String, byte[]> {
    private final Producer<String, byte[]> delegate;
    private final AckLog log;

    public AckRecordingProducer(Producer<String, byte[]> delegate, AckLog log) {
        this.delegate = delegate;
        this.log = log;
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        return send(record, null);
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
        return delegate.send(record, (metadata, error) -> {
            if (error == null) {
                log.add(SentRecord.of(record));
            }
            if (callback != null) {
                callback.onCompletion(metadata, error);
            }
        });
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        return delegate.partitionsFor(topic);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
        return delegate.metrics();
    }

    @Override
    public Uuid clientInstanceId(Duration timeout) {
        return delegate.clientInstanceId(timeout);
    }

    @Override
    public void registerMetricForSubscription(KafkaMetric metric) {
        delegate.registerMetricForSubscription(metric);
    }

    @Override
    public void unregisterMetricFromSubscription(KafkaMetric metric) {
        delegate.unregisterMetricFromSubscription(metric);
    }

    /** Leaves the caller's producer open. */
    @Override
    public void close() {}

    /** Leaves the caller's producer open (a relay's forced close must not end the caller's producer). */
    @Override
    public void close(Duration timeout) {}

    @Override
    public void initTransactions() {
        throw new UnsupportedOperationException("the relay sends without Kafka transactions");
    }

    @Override
    public void beginTransaction() {
        throw new UnsupportedOperationException("the relay sends without Kafka transactions");
    }

    @Override
    public void sendOffsetsToTransaction(
            Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
        throw new UnsupportedOperationException("the relay sends without Kafka transactions");
    }

    @Override
    public void commitTransaction() {
        throw new UnsupportedOperationException("the relay sends without Kafka transactions");
    }

    @Override
    public void abortTransaction() {
        throw new UnsupportedOperationException("the relay sends without Kafka transactions");
    }
}
