package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.EmbeddedKafka;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcRelay;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.common.config.SaslConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CDC relay against a broker that requires SASL/SCRAM: with a wrong password every send is refused, which is
 * the deployment's fault, not the records': nothing is parked, nothing confirmed, the relay keeps running and
 * retrying; a relay with the right password then publishes every event from the slot.
 */
class CdcSaslRelayIT {
    private static final String USER = "relay";
    private static final String PASSWORD = "relay-scram-pass";
    private static final Duration LONG = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    @Test
    void aRefusedCdcRelayParksNothingAndTheEventsGoOutOnceTheCredentialsAreRight() throws Exception {
        try (var fixture = new RelayFixture("CdcSaslRelayIT", OutboxMode.LOGICAL_MESSAGE)) {
            EmbeddedKafka kafka = fixture.register(EmbeddedKafka.startWithScram(dir.resolve("kafka"), USER, PASSWORD));
            String topic = "cdc-sasl-relay";
            SaslRelayIT.createTopic(kafka, topic, 4);
            CdcConfig config = CdcTestSupport.config(
                    "cdc-sasl",
                    fixture.url,
                    fixture.infra.user(),
                    RelayContractIT.config("cdc-sasl").topics(topic).build());
            fixture.register(CdcTestSupport.dropper(CdcTestSupport.dataSource(fixture), config));

            Map<String, Object> wrong = new HashMap<>(kafka.clientProperties());
            wrong.put(SaslConfigs.SASL_JAAS_CONFIG, EmbeddedKafka.scramJaasConfig(USER, "wrong-password"));
            var denials = new AtomicInteger();
            var permanent = new AtomicInteger();
            var published = new AtomicInteger();
            RelayMetrics counting = new RelayMetrics() {
                @Override
                public void denied() {
                    denials.incrementAndGet();
                }

                @Override
                public void failed(boolean isPermanent) {
                    if (isPermanent) {
                        permanent.incrementAndGet();
                    }
                }

                @Override
                public void published(Duration sinceCreated) {
                    published.incrementAndGet();
                }
            };
            var events = new ArrayList<OutboxEvent>();
            for (int i = 0; i < 20; i++) {
                events.add(RelayContractIT.event(topic, "key-" + (i % 4), i));
            }
            try (Relay refused = relay(fixture, kafka, config, wrong, counting)) {
                fixture.append(events); // after start: the slot exists and keeps them
                await(() -> denials.get() >= 3, LONG, "three sends refused");
                assertTrue(refused.isRunning(), "refused by Kafka is not dead");
            }
            assertEquals(0, published.get());
            assertEquals(0, permanent.get(), "an authentication failure never counts towards parking");
            assertEquals(0, fixture.admin.status().parked());

            fixture.register(relay(fixture, kafka, config, kafka.clientProperties(), RelayMetrics.NONE));
            var records = SaslRelayIT.readAll(kafka, topic, events.size());
            assertEquals(
                    events.stream().map(OutboxEvent::id).collect(Collectors.toSet()),
                    records.stream().map(TopicReader::ceId).collect(Collectors.toSet()),
                    "every event published from the slot");
            assertEquals(0, fixture.admin.status().parked());
        }
    }

    private static Relay relay(
            RelayFixture fixture,
            EmbeddedKafka kafka,
            CdcConfig config,
            Map<String, Object> security,
            RelayMetrics metrics) {
        DataSource dataSource = fixture.pool(config.instanceId() + "-" + metrics.hashCode(), 2);
        Relay relay = CdcRelay.create(
                dataSource,
                KafkaProducers.create(kafka.bootstrapServers(), config.instanceId(), security),
                config,
                metrics);
        relay.start();
        return relay;
    }
}
