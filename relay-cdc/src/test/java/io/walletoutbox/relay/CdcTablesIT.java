package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcRelay;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Two outboxes in one database, each with its own tables ({@code OutboxTables}) and so its own message prefix: the
 * CDC relay of the {@code shop} outbox publishes the messages with the shop's prefix and none of the default
 * outbox's, though both are in the WAL its slot reads; it parks in the shop's {@code outbox_parked} and keeps its
 * offsets in the shop's {@code relay_cdc_offset}.
 */
class CdcTablesIT {
    private static final OutboxTables SHOP = OutboxTables.of("shop", "shop_");

    @Test
    void aRelayOfOtherTablesPublishesOnlyTheMessagesWithItsOwnPrefix() throws Exception {
        try (var fixture = new RelayFixture("cdc_tables", OutboxMode.LOGICAL_MESSAGE)) {
            DataSource ds = CdcTestSupport.dataSource(fixture);
            // The shop's schema; its parked-events table is the default one's shape (the migrations make the
            // default tables only); its offsets table is made by the relay.
            fixture.jdbi.useHandle(h -> {
                h.execute("CREATE SCHEMA shop");
                h.execute("CREATE TABLE shop.shop_outbox_parked (LIKE outbox_parked INCLUDING ALL)");
            });
            String topic = fixture.infra.newTopic("cdc-tables", 1);
            CdcConfig config = CdcTestSupport.config(
                            "shop",
                            fixture.url,
                            fixture.infra.user(),
                            RelayContractIT.config("shop").topics(topic).build())
                    .toBuilder()
                    .tables(SHOP)
                    .build();
            assertEquals("shop.shop_relay_cdc_offset", config.offsetsTable());
            fixture.register(CdcTestSupport.dropper(ds, config));
            Relay relay = fixture.register(CdcRelay.create(
                    fixture.pool("relay", 2),
                    KafkaProducers.create(fixture.infra.bootstrapServers(), "shop"),
                    config,
                    RelayMetrics.NONE));
            relay.start(); // the slot exists from here on: every message below is in it

            // One key, one partition: the relay keeps the WAL's order, so had it taken a default-prefix message,
            // that record would come before the shop's next one. "Never" is proved by order, not by waiting.
            OutboxEvent theirs = RelayContractIT.event(topic, "k", 1);
            OutboxEvent ours = RelayContractIT.event(topic, "k", 2);
            OutboxEvent foreign = RelayContractIT.event("not-the-shops", "k", 3);
            OutboxEvent theirsAgain = RelayContractIT.event(topic, "k", 4);
            OutboxEvent last = RelayContractIT.event(topic, "k", 5);
            fixture.append(List.of(theirs)); // the default outbox's writer: prefix walletoutbox.outbox
            emit(fixture, SHOP.messagePrefix(), ours);
            emit(fixture, SHOP.messagePrefix(), foreign);
            emit(fixture, OutboxTables.DEFAULTS.messagePrefix(), theirsAgain); // by hand, as the shop's are
            emit(fixture, SHOP.messagePrefix(), last);

            try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
                var records = reader.awaitUntil(
                        r -> r.stream().anyMatch(c -> TopicReader.ceId(c).equals(last.id())),
                        RelayContractIT.LONG,
                        "the shop's last event");
                assertEquals(
                        List.of(ours.id(), last.id()),
                        records.stream().map(TopicReader::ceId).toList(),
                        "the shop's events only");
            }
            // The event naming another topic is parked in the shop's table, not in the default outbox's.
            await(
                    () -> parked(fixture, "shop.shop_outbox_parked").equals(List.of(foreign.id())),
                    RelayContractIT.LONG,
                    "the foreign-topic event parked in shop.shop_outbox_parked");
            assertEquals(List.of(), parked(fixture, "outbox_parked"));
            // Offsets are committed after the batch's acks: looked for once they are.
            await(
                    () -> fixture.jdbi.withHandle(h -> h.createQuery(
                                            "SELECT count(*) FROM shop.shop_relay_cdc_offset WHERE engine = :e")
                                    .bind("e", config.slotName())
                                    .mapTo(Long.class)
                                    .one())
                            > 0,
                    RelayContractIT.LONG,
                    "offsets kept in the shop's table");
        }
    }

    /**
     * A transactional logical decoding message with {@code prefix} carrying {@code event} in the document {@code
     * LogicalMessages} builds (the same fields, {@code createdAt} in epoch microseconds).
     */
    private static void emit(RelayFixture fixture, String prefix, OutboxEvent event) {
        fixture.jdbi.useTransaction(h -> h.createQuery("""
                        SELECT pg_logical_emit_message(true, :prefix, json_build_object(
                            'eventId', CAST(:eventId AS uuid),
                            'aggregateType', CAST(:aggregateType AS text),
                            'aggregateId', CAST(:aggregateId AS text),
                            'type', CAST(:type AS text),
                            'topic', CAST(:topic AS text),
                            'payload', CAST(:payload AS text),
                            'headers', '{}'::jsonb,
                            'createdAtMicros', CAST(EXTRACT(EPOCH FROM now()) * 1000000 AS bigint))::text)::text
                        """)
                .bind("prefix", prefix)
                .bind("eventId", event.id())
                .bind("aggregateType", event.aggregateType())
                .bind("aggregateId", event.aggregateId())
                .bind("type", event.type())
                .bind("topic", event.topic())
                .bind("payload", event.payload())
                .mapTo(String.class)
                .one());
    }

    private static List<UUID> parked(RelayFixture fixture, String table) {
        return fixture.jdbi.withHandle(h -> h.createQuery("SELECT event_id FROM " + table + " ORDER BY id")
                .mapTo(UUID.class)
                .list());
    }
}
