package io.walletoutbox.relay.internal;

import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.RecordMapping;
import io.walletoutbox.relay.RelayMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Sends one batch and waits for every answer (used by the polling relay, and by the CDC relay through a qualified
 * export). Events of {@link ParkingPolicy#SKIP} topics are handed to the producer all at once (it pipelines and
 * batches them; the idempotent producer keeps each partition in order).
 *
 * <p>Events of {@link ParkingPolicy#BLOCK} topics must never let a later event of a key overtake a failed one.
 * The idempotent producer alone does not promise that: when a batch of a partition fails (rejected, or expired),
 * it bumps its epoch and sends the later batches of the partition again under new sequence numbers
 * ({@code TransactionManager.handleFailedBatch}, {@code canRetry}), so they can land while the failed one never
 * does. What it does promise is that none of them lands before that failure is reported: the broker refuses a
 * batch whose sequence leaves a gap, and the re-sending only starts in the producer's I/O loop after the failed
 * batch's callback. So with a {@link ProducerSlot#renewable() renewable} producer a key's events are pipelined,
 * and the callback of a failed event that has later events of its key behind it {@link ProducerSlot#discard
 * force-closes} the producer: everything still queued fails unsent, and the next cycle sends with a new producer.
 * With a fixed producer, a key's events are sent one after the other, each after the previous ack, and a key stops
 * at its first failure.
 */
public final class BatchSender {
    /** What became of one event. */
    public sealed interface Result {
        /** Kafka acknowledged it. */
        record Acked() implements Result {}

        /**
         * It failed for a reason that may pass (broker down, timeout, producer closing): send it again later. {@code
         * denied}: Kafka refused this client (authentication or authorization, see {@link #isDenied}), which an
         * operator fixes; retried too, never parked.
         */
        record Retriable(String error, boolean denied) implements Result {
            public Retriable(String error) {
                this(error, false);
            }
        }

        /** Kafka rejected this record for good; it counts towards parking. */
        record Rejected(String error) implements Result {}

        /**
         * Not sent: an earlier event of its key in a blocking topic failed, or Kafka could not take records at all
         * (then the rest of the batch waits for the next cycle).
         */
        record NotSent() implements Result {}
    }

    private static final Result ACKED = new Result.Acked();
    private static final Result NOT_SENT = new Result.NotSent();

    private final ProducerSlot slot;
    private final Function<String, ParkingPolicy> policyOf;
    private final RelayMetrics metrics;
    private final boolean flushes;
    private final RecordMapping mapping;

    /** A sender whose blocking topics are those {@code policyOf} maps to {@link ParkingPolicy#BLOCK}. */
    public BatchSender(
            Producer<String, byte[]> producer, Function<String, ParkingPolicy> policyOf, RelayMetrics metrics) {
        this(ProducerSlot.fixed(producer), policyOf, metrics);
    }

    /** A sender over {@code slot}'s producer; a renewable slot lets it pipeline a blocking key's events. */
    public BatchSender(ProducerSlot slot, Function<String, ParkingPolicy> policyOf, RelayMetrics metrics) {
        this(slot, policyOf, metrics, false);
    }

    /**
     * As {@link #BatchSender(ProducerSlot, Function, RelayMetrics)}; with {@code flushes}, a batch goes to Kafka as
     * soon as it has been handed to the producer, not after the producer's {@code linger.ms}: the sender knows the
     * batch is complete, so lingering for more records would only add up to {@code linger.ms} to every event's
     * latency (the producer then still groups a batch's records per partition). The flush runs on a virtual thread
     * of its own ({@link Producer#flush} waits for the answers, which {@link Pending#await} does anyway).
     */
    public BatchSender(
            ProducerSlot slot, Function<String, ParkingPolicy> policyOf, RelayMetrics metrics, boolean flushes) {
        this(slot, policyOf, metrics, flushes, RecordMapping.CLOUD_EVENTS);
    }

    /** As {@link #BatchSender(ProducerSlot, Function, RelayMetrics, boolean)}, with records shaped by {@code mapping}. */
    public BatchSender(
            ProducerSlot slot,
            Function<String, ParkingPolicy> policyOf,
            RelayMetrics metrics,
            boolean flushes,
            RecordMapping mapping) {
        this.slot = slot;
        this.policyOf = policyOf;
        this.metrics = metrics;
        this.flushes = flushes;
        this.mapping = java.util.Objects.requireNonNull(mapping, "mapping");
    }

    /**
     * Sends {@code batch} and returns one result per event, in the batch's order. Throws {@link
     * RelayInterruptedException} when the calling thread is interrupted while it waits.
     */
    public List<Result> send(List<StoredEvent> batch) {
        return start(batch).await();
    }

    /**
     * Hands {@code batch} to the producer and returns at once, without waiting for Kafka's answers: the caller may
     * do other work (read its next batch) and then {@link Pending#await await} them. A blocking key's events with a
     * fixed producer go one after the other on their own virtual thread, each after the previous ack.
     */
    public Pending start(List<StoredEvent> batch) {
        Producer<String, byte[]> producer = slot.get();
        var results = new Result[batch.size()];
        var pipelined = new ArrayList<Integer>();
        var chains = new LinkedHashMap<String, List<Integer>>();
        for (int i = 0; i < batch.size(); i++) {
            StoredEvent event = batch.get(i);
            if (policyOf.apply(event.topic()) == ParkingPolicy.BLOCK) {
                chains.computeIfAbsent(event.topic() + '\u0000' + event.aggregateId(), k -> new ArrayList<>())
                        .add(i);
            } else {
                pipelined.add(i);
            }
        }
        var futures = new ArrayList<Future<RecordMetadata>>(pipelined.size());
        for (int i : pipelined) {
            Future<RecordMetadata> future = sendOne(producer, batch.get(i), null);
            futures.add(future);
            if (failedAtOnce(future)) {
                // The producer answered at once with a retriable error (typically: no metadata for the topic
                // within max.block.ms, Kafka away). Sending the rest would block as long again for each event,
                // far past the stall timeout, and a later event of a key could overtake this one once Kafka is
                // back. Stop here; the rest of the batch stays in the outbox.
                break;
            }
        }
        boolean stopped = futures.size() < pipelined.size();
        Runnable chainsDone = () -> {};
        if (!chains.isEmpty()) {
            if (stopped) {
                chains.values().forEach(chain -> chain.forEach(i -> results[i] = NOT_SENT));
            } else if (slot.renewable()) {
                chainsDone = pipelineChains(producer, batch, chains, results);
            } else {
                chainsDone = sendChains(producer, batch, chains, results);
            }
        }
        if (flushes && !(futures.isEmpty() && chains.isEmpty())) {
            Thread.ofVirtual().name("relay-flush").start(() -> flush(producer));
        }
        Runnable awaitChains = chainsDone;
        return new Pending(() -> {
            awaitChains.run();
            for (int j = 0; j < pipelined.size(); j++) {
                results[pipelined.get(j)] = j < futures.size() ? await(futures.get(j)) : NOT_SENT;
            }
            return List.of(results);
        });
    }

    /** A batch handed to the producer: {@link #await} waits for every answer (once). */
    public static final class Pending {
        private final java.util.function.Supplier<List<Result>> answers;
        private List<Result> results;

        private Pending(java.util.function.Supplier<List<Result>> answers) {
            this.answers = answers;
        }

        /**
         * Waits for Kafka's answer to every event and returns one result per event, in the batch's order. Throws
         * {@link RelayInterruptedException} when the calling thread is interrupted while it waits.
         */
        public List<Result> await() {
            if (results == null) {
                results = answers.get();
            }
            return results;
        }
    }

    /**
     * Every blocking key's events at once, in order; a failure reported by the producer's I/O thread for an event
     * with later events of its key behind it discards the producer (see the class comment). A send that fails at
     * once (in this thread) ends its key's chain there, and, when retriable (no metadata: Kafka away), every chain.
     * Returns what waits for the answers.
     */
    private Runnable pipelineChains(
            Producer<String, byte[]> producer,
            List<StoredEvent> batch,
            Map<String, List<Integer>> chains,
            Result[] results) {
        Thread sending = Thread.currentThread();
        var futures = new java.util.HashMap<Integer, Future<RecordMetadata>>();
        boolean away = false;
        for (List<Integer> chain : chains.values()) {
            for (int k = 0; k < chain.size() && !away; k++) {
                int i = chain.get(k);
                boolean hasLater = k < chain.size() - 1;
                Future<RecordMetadata> future = sendOne(producer, batch.get(i), error -> {
                    if (hasLater && Thread.currentThread() != sending) {
                        slot.discard(producer);
                    }
                });
                futures.put(i, future);
                if (future.state() == Future.State.FAILED) {
                    away = failedAtOnce(future);
                    break;
                }
            }
        }
        return () -> {
            for (List<Integer> chain : chains.values()) {
                for (int i : chain) {
                    Future<RecordMetadata> future = futures.get(i);
                    results[i] = future == null ? NOT_SENT : await(future);
                }
            }
        };
    }

    /** One virtual thread per blocking key; what this returns waits for all of them (the executor's close). */
    private Runnable sendChains(
            Producer<String, byte[]> producer,
            List<StoredEvent> batch,
            Map<String, List<Integer>> chains,
            Result[] results) {
        var executor = Executors.newVirtualThreadPerTaskExecutor();
        for (List<Integer> chain : chains.values()) {
            executor.submit(() -> {
                boolean failed = false;
                for (int i : chain) {
                    if (failed) {
                        results[i] = NOT_SENT;
                        continue;
                    }
                    Future<RecordMetadata> sent = sendOne(producer, batch.get(i), null);
                    if (flushes) {
                        flush(producer);
                    }
                    results[i] = await(sent);
                    failed = results[i] != ACKED;
                }
                return null;
            });
        }
        return executor::close;
    }

    /**
     * Makes what {@code producer} holds go out now and waits for it. A failure here (the producer closed or
     * discarded meanwhile, an interrupt) is the sends' own, reported through their futures.
     */
    private static void flush(Producer<String, byte[]> producer) {
        try {
            producer.flush();
        } catch (RuntimeException e) {
            // The sends' futures carry what went wrong.
        }
    }

    private static boolean failedAtOnce(Future<RecordMetadata> future) {
        return future.state() == Future.State.FAILED && !isPermanent(future.exceptionNow());
    }

    /**
     * Sends {@code event}; {@code onFailure} (may be null) runs in the callback of a failed send. Its {@code publish}
     * span ({@link Traces#publish}, when tracing is on) starts here and ends with the broker's answer.
     */
    private Future<RecordMetadata> sendOne(
            Producer<String, byte[]> producer, StoredEvent event, java.util.function.Consumer<Exception> onFailure) {
        Instant created = event.createdAt();
        Traces.Publish span = Traces.publish(event);
        try {
            return producer.send(mapping.toRecord(event), (metadata, error) -> {
                Runnable answered = () -> {
                    if (error == null) {
                        metrics.published(Duration.between(created, Instant.now()));
                    } else if (onFailure != null) {
                        onFailure.accept(error);
                    }
                };
                if (span != null) {
                    span.answered(metadata, error, answered);
                } else {
                    answered.run();
                }
            });
        } catch (RuntimeException e) {
            // The producer refused the record itself (closed, interrupted, serialisation): no callback will come.
            if (span != null) {
                span.answered(null, e, () -> {});
            }
            throw e;
        }
    }

    private Result await(Future<RecordMetadata> future) {
        try {
            future.get();
            return ACKED;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (isPermanent(cause)) {
                metrics.failed(true);
                return new Result.Rejected(String.valueOf(cause));
            }
            if (isDenied(cause)) {
                metrics.denied();
                return new Result.Retriable(String.valueOf(cause), true);
            }
            metrics.failed(false);
            return new Result.Retriable(String.valueOf(cause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayInterruptedException(e);
        }
    }

    /**
     * Rejections of the record itself, which no retry cures. Anything else (timeouts, a broker away, a producer
     * closing or resetting its sequence numbers, and Kafka refusing this client: {@link #isDenied}) is retried
     * without counting towards parking.
     */
    public static boolean isPermanent(Throwable cause) {
        return !isDenied(cause)
                && (cause instanceof RecordTooLargeException
                        || cause instanceof RecordBatchTooLargeException
                        || cause instanceof InvalidTopicException
                        || cause instanceof InvalidRecordException);
    }

    /**
     * Kafka refused this client rather than the record: a failed authentication (SASL, SSL: {@link
     * AuthenticationException}) or a missing ACL ({@link AuthorizationException}: topic, cluster, transactional
     * id, group). The deployment's fault, fixed by an operator (credentials, ACLs), after which the same record goes
     * through: retried with back-off, never parked.
     */
    public static boolean isDenied(Throwable cause) {
        return cause instanceof AuthenticationException || cause instanceof AuthorizationException;
    }
}
