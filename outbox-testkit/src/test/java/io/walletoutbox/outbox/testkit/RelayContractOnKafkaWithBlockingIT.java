package io.walletoutbox.outbox.testkit;

import io.walletoutbox.relay.KafkaProducers;
import io.walletoutbox.relay.ParkingPolicy;
import io.walletoutbox.relay.RelayConfig;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The published relay contract on a real broker, with a {@link ParkingPolicy#BLOCK} topic. */
class RelayContractOnKafkaWithBlockingIT extends RelayContract {
    private static OutboxDatabase db;
    private static String topic;
    private static Producer<String, byte[]> producer;

    @BeforeAll
    static void setUp() {
        db = new OutboxDatabase("testkit_contract_kafka");
        topic = db.infra.newTopic("testkit-contract", 3);
        producer = KafkaProducers.create(db.infra.bootstrapServers(), "testkit-contract");
    }

    @AfterAll
    static void tearDown() {
        producer.close();
        db.close();
    }

    @Override
    protected DataSource outbox() {
        return db.dataSource;
    }

    @Override
    protected RelayConfig relayConfig() {
        return RelayConfig.builder("contract-kafka")
                .topics(topic)
                .parkingPolicy(topic, ParkingPolicy.BLOCK)
                .maxAttempts(3)
                .build();
    }

    @Override
    protected Producer<String, byte[]> producer() {
        return producer;
    }
}
