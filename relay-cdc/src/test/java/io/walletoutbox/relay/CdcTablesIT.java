package io.walletoutbox.relay;

import static io.walletoutbox.relay.RelayFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.OutboxWriter;
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
            // The shop's outbox beside the default one, by the library's migration for its tables; its offsets
            // table is made by the relay.
            OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS.withTables(SHOP));
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
            OutboxWriter shop = OutboxWriter.builder()
                    .config(OutboxConfig.DEFAULTS.withTables(SHOP))
                    .mode(OutboxMode.LOGICAL_MESSAGE)
                    .build();
            OutboxWriter defaults =
                    OutboxWriter.builder().mode(OutboxMode.LOGICAL_MESSAGE).build();
            emit(ds, shop, ours);
            emit(ds, shop, foreign);
            emit(ds, defaults, theirsAgain);
            emit(ds, shop, last);

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

    /** Appends {@code event} with {@code writer} in a transaction of its own. */
    private static void emit(DataSource ds, OutboxWriter writer, OutboxEvent event) throws java.sql.SQLException {
        try (var c = ds.getConnection()) {
            c.setAutoCommit(false);
            writer.append(c, event);
            c.commit();
        }
    }

    private static List<UUID> parked(RelayFixture fixture, String table) {
        return fixture.jdbi.withHandle(h -> h.createQuery("SELECT event_id FROM " + table + " ORDER BY id")
                .mapTo(UUID.class)
                .list());
    }
}
