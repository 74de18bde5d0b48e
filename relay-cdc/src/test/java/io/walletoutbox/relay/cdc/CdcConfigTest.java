package io.walletoutbox.relay.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.relay.ParkingPolicy;
import org.junit.jupiter.api.Test;

class CdcConfigTest {

    @Test
    void hostPortAndDatabaseComeFromTheJdbcUrl() {
        var c = CdcConfig.builder("i", "jdbc:postgresql://db.example:6543/wallet?sslmode=require", "u", "p")
                .build();
        assertEquals("db.example", c.host());
        assertEquals(6543, c.port());
        assertEquals("wallet", c.database());
        var d = CdcConfig.builder("i", "jdbc:postgresql://localhost/wallet", "u", "")
                .build();
        assertEquals(5432, d.port());
    }

    @Test
    void namesThatGoIntoSqlMustBePlainIdentifiers() {
        var c = CdcConfig.builder("i", "jdbc:postgresql://localhost/wallet", "u", "")
                .build();
        assertThrows(
                IllegalArgumentException.class,
                () -> c.toBuilder().slotName("Slot").publicationName("p").build());
        assertThrows(
                IllegalArgumentException.class,
                () -> c.toBuilder()
                        .slotName("s")
                        .publicationName("p; DROP TABLE x")
                        .build());
        assertThrows(
                IllegalArgumentException.class,
                () -> c.toBuilder()
                        .slotName("a".repeat(64))
                        .publicationName("p")
                        .build());
        assertEquals(
                "s_1",
                c.toBuilder().slotName("s_1").publicationName("p").build().slotName());
    }

    @Test
    void rejectsUrlsDebeziumCannotConnectTo() {
        assertThrows(
                IllegalArgumentException.class,
                () -> CdcConfig.builder("i", "jdbc:mysql://localhost/wallet", "u", "")
                        .build());
        assertThrows(
                IllegalArgumentException.class,
                () -> CdcConfig.builder("i", "jdbc:postgresql://h1,/db", "u", "")
                        .build());
    }

    @Test
    void aMultiHostUrlListsEveryHostAndKeepsItsParametersButTheTargetServerType() {
        var c = CdcConfig.builder(
                        "i",
                        "jdbc:postgresql://pg-a:5433,pg-b/wallet?targetServerType=primary&sslmode=require",
                        "u",
                        "")
                .build();
        assertEquals(java.util.List.of(new CdcHost("pg-a", 5433), new CdcHost("pg-b", 5432)), c.hosts());
        assertEquals("pg-a", c.host());
        assertEquals("wallet", c.database());
        assertEquals("walletoutbox_wallet", c.slotName());
        assertEquals("?sslmode=require", c.singleHostQuery());
        assertEquals(
                "jdbc:postgresql://pg-b:5432/wallet?sslmode=require",
                c.hosts().get(1).jdbcUrl(c.database(), c.singleHostQuery()));
        assertEquals(
                "",
                CdcConfig.builder("i", "jdbc:postgresql://h/db", "u", "")
                        .build()
                        .singleHostQuery());
    }

    @Test
    void topicsAreSkipUnlessSetToBlockAndThePolicySurvivesOtherChanges() {
        var c = CdcConfig.builder("i", "jdbc:postgresql://localhost/wallet", "u", "")
                .build();
        assertEquals(ParkingPolicy.SKIP, c.policyOf("wallet.events"));
        var blocking = c.toBuilder()
                .parkingPolicy("wallet.events", ParkingPolicy.BLOCK)
                .build();
        assertEquals(ParkingPolicy.BLOCK, blocking.policyOf("wallet.events"));
        assertEquals(ParkingPolicy.SKIP, blocking.policyOf("other"));
        assertEquals(ParkingPolicy.SKIP, c.policyOf("wallet.events"), "the original is unchanged");
        assertEquals(
                ParkingPolicy.BLOCK,
                blocking.toBuilder()
                        .slotName("s_2")
                        .publicationName("p")
                        .build()
                        .policyOf("wallet.events"));
        assertThrows(
                NullPointerException.class,
                () -> c.toBuilder().parkingPolicy(null, ParkingPolicy.BLOCK).build());
        assertThrows(
                NullPointerException.class,
                () -> c.toBuilder().parkingPolicy("t", null).build());
    }

    @Test
    void theDefaultSlotIsNamedAfterTheDatabase() {
        assertEquals(
                "walletoutbox_wallet",
                CdcConfig.builder("i", "jdbc:postgresql://localhost/wallet", "u", "")
                        .build()
                        .slotName());
        assertEquals(
                "walletoutbox_wallet_eu_2",
                CdcConfig.builder("i", "jdbc:postgresql://localhost/Wallet-EU.2?ssl=true", "u", "")
                        .build()
                        .slotName());
        assertEquals(63, CdcConfig.defaultSlotName("d".repeat(80)).length());
        assertEquals(
                "walletoutbox_outbox",
                CdcConfig.builder("i", "jdbc:postgresql://localhost/wallet", "u", "")
                        .build()
                        .publicationName());
    }

    @Test
    void topicsAreNoneByDefaultAndKeptAcrossCopies() {
        var c = CdcConfig.builder("i", "jdbc:postgresql://localhost/wallet", "u", "")
                .build();
        assertEquals(java.util.Set.of(), c.topics());
        var t = c.toBuilder().topics("wallet.events").build();
        assertEquals(java.util.Set.of("wallet.events"), t.topics());
        assertEquals(
                t.topics(),
                t.toBuilder()
                        .slotName("s_2")
                        .publicationName("p")
                        .parkingPolicy("wallet.events", ParkingPolicy.BLOCK)
                        .build()
                        .topics());
        assertThrows(
                IllegalArgumentException.class,
                () -> c.toBuilder().topics("wallet events").build());
    }

    @Test
    void theBuilderHasTheDocumentedDefaultsAndToBuilderCopiesEveryValue() {
        var c = CdcConfig.builder("i", "jdbc:postgresql://localhost/wallet", "u", "secret-pw")
                .build();
        assertEquals("walletoutbox_outbox", c.publicationName());
        assertEquals("relay_cdc_offset", c.offsetsTable());
        assertEquals(java.time.Duration.ofSeconds(10), c.heartbeatInterval());
        assertEquals(2048, c.maxBatchSize());
        assertEquals(java.time.Duration.ofMillis(10), c.pollInterval());
        assertEquals(5, c.maxAttempts());
        assertEquals(java.util.Set.of(), c.topics());
        var changed = c.toBuilder()
                .maxBatchSize(10)
                .parkingPolicy("t", ParkingPolicy.BLOCK)
                .topics("t")
                .build();
        assertEquals(changed, changed.toBuilder().build());
        assertEquals(changed.hashCode(), changed.toBuilder().build().hashCode());
        assertEquals(2048, c.maxBatchSize(), "the original is unchanged");
        org.junit.jupiter.api.Assertions.assertFalse(c.toString().contains("secret-pw"), c.toString());
    }

    @Test
    void tablesNameTheOffsetsTableUnlessOneIsSetAndTheSlotKeepsItsName() {
        var defaults = CdcConfig.builder("i", "jdbc:postgresql://localhost/wallet", "u", "")
                .build();
        assertEquals(OutboxTables.DEFAULTS, defaults.tables());
        assertEquals("walletoutbox.outbox", defaults.tables().messagePrefix());

        var shop = defaults.toBuilder().tables(OutboxTables.of("shop", "shop_")).build();
        assertEquals("shop.shop_relay_cdc_offset", shop.offsetsTable());
        assertEquals("walletoutbox.outbox:shop.shop_", shop.tables().messagePrefix());
        assertEquals(defaults.slotName(), shop.slotName(), "slot and publication keep their names");
        assertEquals(defaults.publicationName(), shop.publicationName());
        org.junit.jupiter.api.Assertions.assertNotEquals(defaults, shop);
        org.junit.jupiter.api.Assertions.assertTrue(shop.toString().contains("shop.shop_relay_cdc_offset"));

        // Derived, not copied: a copy given other tables follows them; back to the defaults, back to the old name.
        assertEquals(shop, shop.toBuilder().build());
        assertEquals(shop.hashCode(), shop.toBuilder().build().hashCode());
        assertEquals(
                "relay_cdc_offset",
                shop.toBuilder().tables(OutboxTables.DEFAULTS).build().offsetsTable());
        assertEquals(
                "orders_relay_cdc_offset",
                shop.toBuilder()
                        .tables(OutboxTables.of(null, "orders_"))
                        .build()
                        .offsetsTable());

        // Set, it wins over the tables, and copies keep it.
        var set = shop.toBuilder().offsetsTable("ops.cdc_offsets").build();
        assertEquals("ops.cdc_offsets", set.offsetsTable());
        assertEquals(
                "ops.cdc_offsets",
                set.toBuilder().tables(OutboxTables.DEFAULTS).build().offsetsTable());
        assertEquals(
                "relay_cdc_offset",
                defaults.toBuilder()
                        .offsetsTable("relay_cdc_offset")
                        .tables(OutboxTables.of("shop", "shop_"))
                        .build()
                        .offsetsTable());
    }

    @Test
    void theOffsetsTableMayBeSchemaQualifiedButNothingElse() {
        var c = CdcConfig.builder("i", "jdbc:postgresql://localhost/wallet", "u", "")
                .build();
        assertEquals("s.t_1", c.toBuilder().offsetsTable("s.t_1").build().offsetsTable());
        for (String bad : new String[] {"S.t", "s.T", "a.b.c", ".t", "s.", "t; DROP TABLE x", "\"t\"", ""}) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> c.toBuilder().offsetsTable(bad).build(),
                    bad);
        }
        assertThrows(
                NullPointerException.class,
                () -> c.toBuilder().offsetsTable(null).build());
        assertThrows(
                NullPointerException.class, () -> c.toBuilder().tables(null).build());
    }
}
