package io.walletoutbox.outbox.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * An in-memory stand-in for Kafka, for tests without a broker: a kafka-clients {@link MockProducer} that
 * acknowledges every send at once (in the sending thread, before {@code send} returns) and keeps what it was
 * given. It can be told to fail the next sends, to see the relay retry, park ({@link RecordTooLargeException}, a
 * rejection the relay counts towards parking) or back off (a retriable error of your choosing). Thread-safe.
 *
 * <p>Give it to {@link OutboxTestKitBuilder#producer}, or to a relay directly ({@code PollingRelay.create(dataSource,
 * new RecordingProducer(), config, metrics)}); a relay closes its producer when it closes, after which this one
 * refuses sends.
 */
public final class RecordingProducer extends MockProducer<String, byte[]> {
    private final List<ProducerRecord<String, byte[]>> attempted = new ArrayList<>();
    private int failuresLeft;
    private RuntimeException failure;

    /** A producer that acknowledges every send at once, until told otherwise by {@link #failNext}. */
    public RecordingProducer() {
        super(true, null, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Fails the next {@code sends} sends with a {@link RecordTooLargeException}: the relay counts each one as a
     * rejection of that record and parks it at its {@code maxAttempts}. Replaces what an earlier call asked for.
     *
     * @param sends how many sends fail, 0 for none
     * @throws IllegalArgumentException when {@code sends} is negative
     */
    public synchronized void failNext(int sends) {
        failNext(sends, new RecordTooLargeException("rejected by RecordingProducer.failNext"));
    }

    /**
     * Fails the next {@code sends} sends with {@code error}, reported through the send's future and callback as
     * Kafka would report it (a {@link org.apache.kafka.common.errors.RetriableException} makes the relay retry
     * without counting towards parking). Replaces what an earlier call asked for.
     *
     * @param sends how many sends fail, 0 for none
     * @param error what each of them fails with
     * @throws IllegalArgumentException when {@code sends} is negative
     * @throws NullPointerException when {@code error} is null
     */
    public synchronized void failNext(int sends, RuntimeException error) {
        if (sends < 0) {
            throw new IllegalArgumentException("sends must not be negative, was " + sends);
        }
        failuresLeft = sends;
        failure = Objects.requireNonNull(error, "error");
    }

    /**
     * How many of the sends asked for by {@link #failNext} are still to fail.
     *
     * @return the sends still to fail, 0 or more
     */
    public synchronized int failuresLeft() {
        return failuresLeft;
    }

    /** Sends {@code record}, acknowledged at once unless a failure was asked for. */
    @Override
    public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        return send(record, null);
    }

    /**
     * Sends {@code record}: records it in {@link #attempted()}, then either fails it (if {@link #failNext} asked
     * for it; {@code callback} runs with the error before this returns) or acknowledges it ({@link #history()},
     * {@link #sent()}; {@code callback} runs with the metadata before this returns).
     */
    @Override
    public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
        attempted.add(record);
        if (failuresLeft > 0) {
            failuresLeft--;
            if (callback != null) {
                callback.onCompletion(null, failure);
            }
            return CompletableFuture.failedFuture(failure);
        }
        return super.send(record, callback);
    }

    /**
     * Every record given to {@code send}, failed ones included, in the order given.
     *
     * @return an unmodifiable snapshot of the records
     */
    public synchronized List<ProducerRecord<String, byte[]>> attempted() {
        return List.copyOf(attempted);
    }

    /**
     * The acknowledged records, in the order acknowledged.
     *
     * @return the acknowledged records, one {@link SentRecord} each
     */
    public synchronized List<SentRecord> sent() {
        return history().stream().map(SentRecord::of).toList();
    }

    /** Forgets every record, attempted and acknowledged, and any failures still asked for. */
    @Override
    public synchronized void clear() {
        super.clear();
        attempted.clear();
        failuresLeft = 0;
    }
}
