package io.walletoutbox.provider.internal;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.walletoutbox.provider.BillPaymentConsumer;
import io.walletoutbox.provider.BillPaymentConsumerConfig;
import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.OutcomeRecorder;
import io.walletoutbox.provider.ProcessingHook;
import io.walletoutbox.provider.ProviderMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop. One platform thread owns the {@code KafkaConsumer}; it hands each fetched record to the lane of
 * its key (one lane per partition and key, drained by one virtual thread at a time, so a key's records run in
 * order and different keys run at once) and commits each partition up to its lowest unfinished record.
 */
public final class KafkaBillPaymentConsumer implements BillPaymentConsumer {
    private static final Logger log = LoggerFactory.getLogger(KafkaBillPaymentConsumer.class);
    private static final Duration POLL = Duration.ofMillis(100);
    // Operators resolve reconciliation entries outside this process: re-read the count now and then.
    private static final long GAUGE_REFRESH_NANOS = Duration.ofSeconds(30).toNanos();

    private record LaneKey(TopicPartition partition, String key) {}

    private final BillPaymentConsumerConfig config;
    private final ProviderMetrics metrics;
    private final DeadLetters deadLetters;
    private final RecordProcessor processor;
    private final Map<TopicPartition, PartitionProgress> progress = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    // Lanes whose running record waits on a failing dependency: they and the records queued behind them do not
    // count against maxInFlight, so one biller's outage does not stop fetching the other billers' payments.
    private final Set<LaneKey> heldLanes = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean stopped;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final KeyedLanes<LaneKey> lanes = new KeyedLanes<>(workers);
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread pollThread;
    private boolean paused;

    public KafkaBillPaymentConsumer(
            BillPaymentConsumerConfig config,
            Jdbi jdbi,
            Billers billers,
            OutcomeRecorder recorder,
            ProviderMetrics metrics,
            ProcessingHook hook) {
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(jdbi, "jdbi");
        this.deadLetters =
                new DeadLetters(config.bootstrapServers(), config.deadLetterTopic(), config.kafkaProperties());
        this.processor = new RecordProcessor(
                config,
                jdbi,
                Objects.requireNonNull(billers, "billers"),
                Objects.requireNonNull(recorder, "recorder"),
                metrics,
                Objects.requireNonNull(hook, "hook"),
                deadLetters);
    }

    @Override
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        Map<String, Object> props = new HashMap<>(config.kafkaProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(config.topic()), new Rebalance());
        pollThread = Thread.ofPlatform().name("bill-payments-poll").start(this::pollLoop);
    }

    private void pollLoop() {
        long gaugeRefreshed = System.nanoTime() - GAUGE_REFRESH_NANOS;
        try {
            while (running) {
                if (System.nanoTime() - gaugeRefreshed >= GAUGE_REFRESH_NANOS) {
                    processor.refreshReconciliationGauge();
                    gaugeRefreshed = System.nanoTime();
                }
                var records = consumer.poll(POLL);
                for (ConsumerRecord<String, byte[]> record : records) {
                    var tp = new TopicPartition(record.topic(), record.partition());
                    PartitionProgress p = progress.computeIfAbsent(tp, t -> new PartitionProgress());
                    p.fetched(record.offset());
                    inFlight.incrementAndGet();
                    var lane = new LaneKey(tp, record.key());
                    lanes.submit(lane, () -> run(record, p, lane));
                }
                try {
                    commitFinished(progress.keySet());
                } catch (CommitFailedException | RebalanceInProgressException | RetriableException e) {
                    // The group is rebalancing or the coordinator moved: the next poll sorts it out, and offsets
                    // not committed now are committed later or redelivered (safe: inbox + idempotency key).
                    log.warn("offset commit failed, will retry: {}", e.toString());
                }
                applyBackpressure();
                reportLag();
            }
        } catch (WakeupException e) {
            if (running) {
                log.error("unexpected wakeup of the bill-payment consumer", e);
            }
        } catch (RuntimeException e) {
            log.error("bill-payment consumer poll loop failed; stopping it", e);
        } finally {
            try {
                shutdown();
            } finally {
                stopped = true;
            }
        }
    }

    /** One record on its key's lane: processed to the end, or abandoned when its partition is revoked. */
    private void run(ConsumerRecord<String, byte[]> record, PartitionProgress p, LaneKey lane) {
        boolean done;
        try {
            done = !p.revoked() && processor.process(record, p::revoked, () -> heldLanes.add(lane));
        } catch (RuntimeException | Error e) {
            // Not expected (process handles its failures); never commit past it: it is redelivered.
            log.error("record processing crashed; abandoning it offset={} key={}", record.offset(), record.key(), e);
            done = false;
        } finally {
            heldLanes.remove(lane);
        }
        if (done) {
            p.finished(record.offset());
        } else {
            p.abandoned(record.offset());
        }
        inFlight.decrementAndGet();
    }

    private void commitFinished(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionProgress p = progress.get(tp);
            if (p != null) {
                p.commitPosition().ifPresent(pos -> {
                    offsets.put(tp, new OffsetAndMetadata(pos));
                    positions.put(tp, pos);
                });
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitSync(offsets);
        positions.forEach((tp, pos) -> progress.get(tp).committed(pos));
    }

    private void applyBackpressure() {
        int n = inFlight.get();
        int held = heldLanes.isEmpty() ? 0 : Math.min(n, lanes.sizeOf(heldLanes));
        metrics.inFlight(n);
        metrics.held(held);
        switch (Backpressure.decide(paused, n, held, config.maxInFlight(), config.maxHeld())) {
            case PAUSE -> {
                consumer.pause(consumer.assignment());
                paused = true;
                log.info("bill-payment consumer paused inFlight={} held={}", n, held);
            }
            case RESUME -> {
                consumer.resume(consumer.paused());
                paused = false;
                log.info("bill-payment consumer resumed inFlight={} held={}", n, held);
            }
            case STAY -> {
                if (paused) {
                    consumer.pause(consumer.assignment()); // partitions assigned since the pause
                }
            }
        }
    }

    private void reportLag() {
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        metrics.consumerLag(lag);
    }

    /** Gives the partitions' in-flight records the grace period, commits what finished, forgets the partitions. */
    private void release(Collection<TopicPartition> partitions, boolean commit) {
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        for (TopicPartition tp : partitions) {
            PartitionProgress p = progress.get(tp);
            if (p != null) {
                p.revoke();
            }
        }
        for (TopicPartition tp : partitions) {
            PartitionProgress p = progress.get(tp);
            try {
                if (p != null && !p.awaitIdle(deadline)) {
                    log.warn("abandoning in-flight records partition={} running={}", tp, p.running());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (commit) {
            try {
                commitFinished(partitions);
            } catch (RuntimeException e) {
                log.warn("could not commit finished offsets of {}; they will be redelivered", partitions, e);
            }
        }
        partitions.forEach(progress::remove);
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            log.info("partitions revoked {} member={}", partitions, member());
            release(partitions, true);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            log.warn("partitions lost {} member={}", partitions, member());
            release(partitions, false);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            log.info("partitions assigned {} member={}", partitions, member());
            partitions.forEach(tp -> progress.put(tp, new PartitionProgress()));
        }
    }

    private String member() {
        try {
            return consumer.groupMetadata().memberId();
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private void shutdown() {
        try {
            release(List.copyOf(progress.keySet()), true);
        } finally {
            workers.shutdownNow();
            try {
                workers.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(10)));
            } finally {
                deadLetters.close();
            }
        }
    }

    @Override
    public MeterBinder clientMetrics() {
        KafkaConsumer<String, byte[]> c = consumer;
        if (c == null) {
            throw new IllegalStateException("start the consumer before binding its client metrics");
        }
        return new KafkaClientMetrics(c);
    }

    @Override
    public boolean isRunning() {
        return started.get() && !stopped && running;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c == null) {
            deadLetters.close();
            workers.shutdownNow();
            return;
        }
        c.wakeup();
        Thread t = pollThread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(config.shutdownGrace().plusSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
