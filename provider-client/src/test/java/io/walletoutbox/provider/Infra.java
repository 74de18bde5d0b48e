package io.walletoutbox.provider;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxSchema;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;

/** The integration tests' database, topics and producer on the JVM's shared PostgreSQL and Kafka. */
final class Infra implements AutoCloseable {
    final SharedInfrastructure shared = SharedInfrastructure.get();
    final HikariDataSource dataSource;
    final Jdbi jdbi;
    final KafkaProducer<String, byte[]> producer;

    Infra(String name) {
        dataSource = TestPools.pool(shared.newDatabase(name), 20).open();
        OutboxSchema.migrate(dataSource, OutboxConfig.DEFAULTS);
        ProviderSchema.migrate(dataSource);
        jdbi = Jdbi.create(dataSource);
        // The tests' ledger of payments (TestOutcomes reads it): a record is charged only as its payment is here.
        jdbi.useHandle(h -> h.execute("""
                CREATE TABLE IF NOT EXISTS test_payments (
                    payment_id   uuid PRIMARY KEY,
                    wallet_id    text NOT NULL,
                    biller       text NOT NULL,
                    customer_ref text NOT NULL,
                    amount       bigint NOT NULL,
                    currency     text NOT NULL,
                    created_at   timestamptz NOT NULL DEFAULT now())"""));
        producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", shared.bootstrapServers(), "acks", "all", "linger.ms", 5),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    /** A topic of its own, and its dead-letter topic. */
    String topic(String prefix, int partitions) {
        String topic = shared.newTopic(prefix, partitions);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", shared.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic + ".dlq", 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot create the dead-letter topic", e);
        }
        return topic;
    }

    /** A {@code BillPaymentRequested} event as the relay publishes it. */
    record Payment(UUID eventId, UUID paymentId, String walletId, String customerRef, long amount, String biller) {
        static Payment of(String walletId, String customerRef, long amount) {
            return new Payment(UUID.randomUUID(), UUID.randomUUID(), walletId, customerRef, amount, "wifi");
        }

        /** This payment to another biller. */
        Payment to(String otherBiller) {
            return new Payment(eventId, paymentId, walletId, customerRef, amount, otherBiller);
        }

        String json() {
            return """
                    {"paymentId":"%s","walletId":"%s","biller":"%s","customerRef":"%s","amount":%d,"currency":"USD"}""".formatted(paymentId, walletId, biller, customerRef, amount);
        }
    }

    /** Puts {@code p} in the tests' ledger (as the wallet writes a payment before its event). */
    void register(Payment p) {
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO test_payments (payment_id, wallet_id, biller, customer_ref, amount, currency)
                        VALUES (:id, :wallet, :biller, :ref, :amount, 'USD') ON CONFLICT DO NOTHING""")
                .bind("id", p.paymentId())
                .bind("wallet", p.walletId())
                .bind("biller", p.biller())
                .bind("ref", p.customerRef())
                .bind("amount", p.amount())
                .execute());
    }

    /** Registers {@code p} in the tests' ledger and sends its event. */
    void send(String topic, Payment p) {
        register(p);
        send(
                topic,
                p.walletId(),
                "BillPaymentRequested",
                p.eventId().toString(),
                p.json().getBytes(StandardCharsets.UTF_8));
    }

    /** Registers {@code p} in the tests' ledger and sends its event with a {@code traceparent} header. */
    void send(String topic, Payment p, String traceparent) {
        register(p);
        send(
                topic,
                p.walletId(),
                "BillPaymentRequested",
                p.eventId().toString(),
                p.json().getBytes(StandardCharsets.UTF_8),
                traceparent);
    }

    /** Sends a record; a null {@code ceType} or {@code ceId} leaves that header out. */
    void send(String topic, String key, String ceType, String ceId, byte[] value) {
        send(topic, key, ceType, ceId, value, null);
    }

    /** Sends a record; a null {@code ceType}, {@code ceId} or {@code traceparent} leaves that header out. */
    void send(String topic, String key, String ceType, String ceId, byte[] value, String traceparent) {
        var headers = new RecordHeaders();
        if (traceparent != null) {
            headers.add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
        }
        if (ceId != null) {
            headers.add("ce_id", ceId.getBytes(StandardCharsets.UTF_8));
        }
        if (ceType != null) {
            headers.add("ce_type", ceType.getBytes(StandardCharsets.UTF_8));
        }
        headers.add("ce_source", "/wallets".getBytes(StandardCharsets.UTF_8));
        headers.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        try {
            producer.send(new ProducerRecord<>(topic, null, key, value, headers))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("send failed", e);
        }
    }

    /** Reads the records of {@code topic} until {@code count} arrived or the timeout passed. */
    List<ConsumerRecord<String, byte[]>> read(String topic, int count, Duration timeout) {
        var out = new ArrayList<ConsumerRecord<String, byte[]>>();
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of(
                        "bootstrap.servers",
                        shared.bootstrapServers(),
                        "group.id",
                        "test-reader-" + UUID.randomUUID(),
                        "auto.offset.reset",
                        "earliest"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    /** The group's committed offset of partition 0 of {@code topic} (-1 when none). */
    long committed(String group, String topic) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", shared.bootstrapServers()))) {
            var offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            var o = offsets.get(new org.apache.kafka.common.TopicPartition(topic, 0));
            return o == null ? -1 : o.offset();
        } catch (Exception e) {
            throw new AssertionError("cannot read the group's offsets", e);
        }
    }

    /** The end offset of partition 0 of {@code topic}. */
    long endOffset(String topic) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", shared.bootstrapServers()))) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                    .partitionResult(tp)
                    .get(30, TimeUnit.SECONDS)
                    .offset();
        } catch (Exception e) {
            throw new AssertionError("cannot read the end offset", e);
        }
    }

    /** Billers by id, each a client of its simulator with the test client settings. */
    static Map<String, BillerClientConfig> billers(Map<String, BillerSimulator> sims) {
        var out = new java.util.LinkedHashMap<String, BillerClientConfig>();
        sims.forEach((id, sim) -> out.put(id, clientConfig(sim)));
        return out;
    }

    BillPaymentConsumerConfig consumerConfig(String topic) {
        return BillPaymentConsumerConfig.builder(shared.bootstrapServers())
                .topic(topic)
                .groupId("bill-payments-" + topic)
                .unknownRetryInitial(Duration.ofMillis(100))
                .unknownRetryMax(Duration.ofMillis(400))
                .reconciliationHorizon(Duration.ofMinutes(5))
                .maxInFlight(1_000)
                .poisonAttempts(2)
                .shutdownGrace(Duration.ofSeconds(5))
                .build();
    }

    /**
     * The tests' client: short timeouts, and an in-flight bound of a second (the simulator answers every request
     * it does not hang or hold, so nothing lands later unless a test makes it).
     */
    static BillerClientConfig clientConfig(BillerSimulator sim) {
        return BillerClientConfig.builder(java.net.URI.create(sim.baseUrl()))
                .requestTimeout(Duration.ofSeconds(2))
                .maxAttempts(4)
                .initialBackoff(Duration.ofMillis(20))
                .maxBackoff(Duration.ofMillis(200))
                .inFlightBound(Duration.ofSeconds(1))
                .build();
    }

    @Override
    public void close() {
        producer.close();
        dataSource.close();
    }
}
