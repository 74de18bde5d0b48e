package io.walletoutbox.relay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMetrics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** How one batch's answers are read; the producer is a stub answering at once (no broker involved). */
class BatchSenderTest {

    /** A producer answering each send at once: a failure for the payloads {@code answer} maps to one, else an ack. */
    private static final class ScriptedProducer extends MockProducer<String, byte[]> {
        final List<String> sent = new ArrayList<>();
        private final Function<String, RuntimeException> answer;

        ScriptedProducer(Function<String, RuntimeException> answer) {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
            this.answer = answer;
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
            String payload = new String(record.value());
            sent.add(payload);
            RuntimeException error = answer.apply(payload);
            if (error != null) {
                callback.onCompletion(null, error);
                return CompletableFuture.failedFuture(error);
            }
            var metadata = new RecordMetadata(new TopicPartition(record.topic(), 0), 0, 0, 0, 0, 0);
            callback.onCompletion(metadata, null);
            return CompletableFuture.completedFuture(metadata);
        }
    }

    private static StoredEvent event(String key, String payload) {
        return new StoredEvent(
                1, UUID.randomUUID(), "Thing", key, "ThingChanged", "things", payload, Map.of(), Instant.now());
    }

    private static BatchSender sender(ScriptedProducer producer) {
        return new BatchSender(producer, RelayConfig.builder("test").build()::policyOf, RelayMetrics.NONE);
    }

    /**
     * Under BLOCK with a renewable producer a key's events are pipelined; when the first fails (reported on another
     * thread, as the producer's I/O thread does) while the later ones are still queued, the producer is closed at
     * once, before it could send them again, and the next batch gets a new producer.
     */
    @Test
    void underBlockAFailureWithLaterEventsOfItsKeyQueuedClosesTheProducer() throws Exception {
        var first = new MockProducer<String, byte[]>(false, null, new StringSerializer(), new ByteArraySerializer());
        var second = new MockProducer<String, byte[]>(true, null, new StringSerializer(), new ByteArraySerializer());
        var made = new java.util.ArrayDeque<MockProducer<String, byte[]>>(List.of(first, second));
        var slot = ProducerSlot.renewable(made::poll);
        var policies = RelayConfig.builder("test")
                .parkingPolicy("things", io.walletoutbox.relay.ParkingPolicy.BLOCK)
                .build();
        var sender = new BatchSender(slot, policies::policyOf, RelayMetrics.NONE);
        var results = new CompletableFuture<List<BatchSender.Result>>();
        Thread.ofVirtual()
                .start(() -> results.complete(sender.send(List.of(event("k", "a"), event("k", "b"), event("k", "c")))));
        io.walletoutbox.embedded.Conditions.await(
                java.time.Duration.ofSeconds(10),
                "all three sent",
                () -> first.history().size() == 3);
        assertFalse(first.closed());
        first.errorNext(new TimeoutException("expired"));
        assertTrue(first.closed(), "closed from the failure's callback, with b and c still queued");
        first.errorNext(new KafkaException("Producer is closed forcefully."));
        first.errorNext(new KafkaException("Producer is closed forcefully."));
        var answers = results.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertInstanceOf(BatchSender.Result.Retriable.class, answers.get(0));
        assertInstanceOf(BatchSender.Result.Retriable.class, answers.get(1));
        assertInstanceOf(BatchSender.Result.Retriable.class, answers.get(2));
        assertEquals(second, slot.get(), "the next batch goes out with a new producer");
    }

    /**
     * A flushing sender makes the producer send a batch as soon as it holds it, not after {@code linger.ms}: here
     * the stub producer completes its sends only when flushed, so the batch is answered only because the sender
     * flushed, with a pipelining (renewable) producer and with a fixed one (a key's events one after the other).
     */
    @Test
    void aFlushingSenderFlushesTheProducerOnceItHoldsTheBatch() throws Exception {
        var policies = RelayConfig.builder("test")
                .parkingPolicy("things", io.walletoutbox.relay.ParkingPolicy.BLOCK)
                .build();
        for (boolean renewable : List.of(true, false)) {
            var producer =
                    new MockProducer<String, byte[]>(false, null, new StringSerializer(), new ByteArraySerializer());
            var slot = renewable ? ProducerSlot.renewable(() -> producer) : ProducerSlot.fixed(producer);
            var sender = new BatchSender(slot, policies::policyOf, RelayMetrics.NONE, true);
            var results = new CompletableFuture<List<BatchSender.Result>>();
            Thread.ofVirtual()
                    .start(() ->
                            results.complete(sender.send(List.of(event("k", "a"), event("k", "b"), event("j", "c")))));
            var answers = results.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(3, producer.history().size(), "renewable " + renewable);
            answers.forEach(a -> assertInstanceOf(BatchSender.Result.Acked.class, a, "renewable " + renewable));
        }
    }

    /** The last event of a key failing has nothing queued behind it: the producer stays. */
    @Test
    void underBlockAFailureOfAKeysLastEventKeepsTheProducer() throws Exception {
        var only = new MockProducer<String, byte[]>(false, null, new StringSerializer(), new ByteArraySerializer());
        var slot = ProducerSlot.renewable(() -> only);
        var policies = RelayConfig.builder("test")
                .parkingPolicy("things", io.walletoutbox.relay.ParkingPolicy.BLOCK)
                .build();
        var sender = new BatchSender(slot, policies::policyOf, RelayMetrics.NONE);
        var results = new CompletableFuture<List<BatchSender.Result>>();
        Thread.ofVirtual().start(() -> results.complete(sender.send(List.of(event("k", "a"), event("k", "b")))));
        io.walletoutbox.embedded.Conditions.await(
                java.time.Duration.ofSeconds(10),
                "both sent",
                () -> only.history().size() == 2);
        only.completeNext();
        only.errorNext(new TimeoutException("expired"));
        var answers = results.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertInstanceOf(BatchSender.Result.Acked.class, answers.get(0));
        assertInstanceOf(BatchSender.Result.Retriable.class, answers.get(1));
        assertFalse(only.closed());
    }

    @Test
    void kafkaUnreachableStopsTheBatchAtTheFirstFailure() {
        var producer = new ScriptedProducer(p -> p.equals("a") ? new TimeoutException("no metadata") : null);
        var results = sender(producer).send(List.of(event("k", "a"), event("k", "b"), event("j", "c")));
        assertInstanceOf(BatchSender.Result.Retriable.class, results.get(0));
        assertInstanceOf(BatchSender.Result.NotSent.class, results.get(1), "b must not overtake a");
        assertInstanceOf(BatchSender.Result.NotSent.class, results.get(2));
        assertEquals(List.of("a"), producer.sent, "no more waiting on a broker that is away");
    }

    @Test
    void aRecordRejectedForGoodDoesNotStopTheOthers() {
        var producer = new ScriptedProducer(p -> p.equals("a") ? new RecordTooLargeException("too large") : null);
        var results = sender(producer).send(List.of(event("k", "a"), event("k", "b")));
        assertInstanceOf(BatchSender.Result.Rejected.class, results.get(0));
        assertInstanceOf(BatchSender.Result.Acked.class, results.get(1));
        assertEquals(List.of("a", "b"), producer.sent);
    }

    @Test
    void onlyRejectionsOfTheRecordItselfCountTowardsParking() {
        assertTrue(BatchSender.isPermanent(new RecordTooLargeException("too large")));
        assertTrue(BatchSender.isPermanent(new RecordBatchTooLargeException("too large")));
        assertTrue(BatchSender.isPermanent(new InvalidTopicException("bad name")));
        assertFalse(BatchSender.isPermanent(new TimeoutException("broker away")));
        assertFalse(BatchSender.isPermanent(new NotLeaderOrFollowerException("moving")));
        assertFalse(BatchSender.isPermanent(new OutOfOrderSequenceException("producer state")));
        assertFalse(BatchSender.isPermanent(new KafkaException("Producer is closed forcefully")));
    }

    /** Kafka refusing the client is the deployment's fault: an operator fixes it, and the same record then goes. */
    @Test
    void authenticationAndAuthorizationFailuresAreRetriedNeverParked() {
        for (RuntimeException denied : List.of(
                new TopicAuthorizationException("denied"),
                new ClusterAuthorizationException("denied"),
                new TransactionalIdAuthorizationException("denied"),
                new GroupAuthorizationException("denied"),
                new SaslAuthenticationException("wrong password"),
                new SslAuthenticationException("bad certificate"),
                new AuthenticationException("denied"))) {
            assertFalse(BatchSender.isPermanent(denied), denied.toString());
            assertTrue(BatchSender.isDenied(denied), denied.toString());
        }
        assertFalse(BatchSender.isDenied(new RecordTooLargeException("too large")));
        assertFalse(BatchSender.isDenied(new TimeoutException("broker away")));
    }

    @Test
    void aDeniedSendIsRetriableStopsTheBatchAndIsCountedAsDenied() {
        var producer =
                new ScriptedProducer(p -> p.equals("a") ? new TopicAuthorizationException(Set.of("things")) : null);
        var denied = new AtomicInteger();
        var failed = new AtomicInteger();
        RelayMetrics metrics = new RelayMetrics() {
            @Override
            public void denied() {
                denied.incrementAndGet();
            }

            @Override
            public void failed(boolean permanent) {
                failed.incrementAndGet();
            }
        };
        var results = new BatchSender(producer, RelayConfig.builder("test").build()::policyOf, metrics)
                .send(List.of(event("k", "a"), event("j", "b")));
        var first = assertInstanceOf(BatchSender.Result.Retriable.class, results.get(0));
        assertTrue(first.denied());
        assertTrue(first.error().contains("TopicAuthorization"), first.error());
        assertInstanceOf(BatchSender.Result.NotSent.class, results.get(1), "no use sending more while refused");
        assertEquals(1, denied.get());
        assertEquals(0, failed.get(), "neither a permanent nor a plain retriable failure");
    }
}
