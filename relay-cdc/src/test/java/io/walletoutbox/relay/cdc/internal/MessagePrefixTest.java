package io.walletoutbox.relay.cdc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcHost;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The relay of an outbox reads the messages with its tables' prefix only: Debezium is told so, and an event of
 * another outbox of the same database that reaches the relay anyway is not taken for one of its own.
 */
class MessagePrefixTest {
    private static final CdcConfig DEFAULTS = CdcConfig.builder("i", "jdbc:postgresql://localhost/wallet", "u", "")
            .build();
    private static final CdcConfig SHOP =
            DEFAULTS.toBuilder().tables(OutboxTables.of("shop", "shop_")).build();
    private static final PrimaryLocator.Primary PRIMARY =
            new PrimaryLocator.Primary(new CdcHost("localhost", 5432), 170000);

    @Test
    void debeziumIsToldTheTablesPrefixAndTheOffsetsTable() {
        var defaults = EngineProperties.of(DEFAULTS, PRIMARY);
        assertEquals(
                "walletoutbox.outbox," + EngineProperties.HEARTBEAT_PREFIX,
                defaults.getProperty("message.prefix.include.list"));
        assertEquals("relay_cdc_offset", defaults.getProperty(PostgresOffsetBackingStore.TABLE));

        var shop = EngineProperties.of(SHOP, PRIMARY);
        assertEquals(
                "walletoutbox.outbox:shop.shop_," + EngineProperties.HEARTBEAT_PREFIX,
                shop.getProperty("message.prefix.include.list"));
        assertEquals("shop.shop_relay_cdc_offset", shop.getProperty(PostgresOffsetBackingStore.TABLE));
        assertEquals(defaults.getProperty("slot.name"), shop.getProperty("slot.name"));
    }

    @Test
    void aMessageWithAnotherOutboxsPrefixIsNoEventOfThisOne() {
        String defaultPrefix = DEFAULTS.tables().messagePrefix();
        String shopPrefix = SHOP.tables().messagePrefix();
        String ofDefault = changeEvent(defaultPrefix, 100);
        String ofShop = changeEvent(shopPrefix, 200);

        assertEquals(100, ChangeEvents.parse(ofDefault, defaultPrefix).position());
        assertNull(ChangeEvents.parse(ofShop, defaultPrefix), "the shop's event is not the default outbox's");
        assertNotNull(ChangeEvents.parse(ofShop, shopPrefix));
        assertEquals(200, ChangeEvents.parse(ofShop, shopPrefix).position());
        assertNull(ChangeEvents.parse(ofDefault, shopPrefix), "the default outbox's event is not the shop's");
    }

    /** Debezium's change event (JSON, schemas off) of a logical message with {@code prefix} at {@code lsn}. */
    private static String changeEvent(String prefix, long lsn) {
        String document = """
                {"eventId": "7f3c1a52-3c4e-4a7e-9d2b-0c1f6f0d9a11", "aggregateType": "Order", "aggregateId": "o-1",
                 "type": "OrderPlaced", "topic": "orders", "payload": "{}", "headers": {},
                 "createdAtMicros": 1700000000000000}""";
        String content = Base64.getEncoder().encodeToString(document.getBytes(StandardCharsets.UTF_8));
        return """
                {"op": "m", "source": {"lsn": %d}, "message": {"prefix": "%s", "content": "%s"}}""".formatted(lsn, prefix, content);
    }
}
