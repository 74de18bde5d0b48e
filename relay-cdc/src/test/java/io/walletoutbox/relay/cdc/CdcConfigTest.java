package io.walletoutbox.relay.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.walletoutbox.relay.ParkingPolicy;
import org.junit.jupiter.api.Test;

class CdcConfigTest {

    @Test
    void hostPortAndDatabaseComeFromTheJdbcUrl() {
        var c = CdcConfig.defaults("i", "jdbc:postgresql://db.example:6543/wallet?sslmode=require", "u", "p");
        assertEquals("db.example", c.host());
        assertEquals(6543, c.port());
        assertEquals("wallet", c.database());
        var d = CdcConfig.defaults("i", "jdbc:postgresql://localhost/wallet", "u", "");
        assertEquals(5432, d.port());
    }

    @Test
    void namesThatGoIntoSqlMustBePlainIdentifiers() {
        var c = CdcConfig.defaults("i", "jdbc:postgresql://localhost/wallet", "u", "");
        assertThrows(IllegalArgumentException.class, () -> c.withSlot("Slot", "p"));
        assertThrows(IllegalArgumentException.class, () -> c.withSlot("s", "p; DROP TABLE x"));
        assertThrows(IllegalArgumentException.class, () -> c.withSlot("a".repeat(64), "p"));
        assertEquals("s_1", c.withSlot("s_1", "p").slotName());
    }

    @Test
    void rejectsUrlsDebeziumCannotConnectTo() {
        assertThrows(
                IllegalArgumentException.class,
                () -> CdcConfig.defaults("i", "jdbc:mysql://localhost/wallet", "u", ""));
        assertThrows(
                IllegalArgumentException.class, () -> CdcConfig.defaults("i", "jdbc:postgresql://h1,/db", "u", ""));
    }

    @Test
    void aMultiHostUrlListsEveryHostAndKeepsItsParametersButTheTargetServerType() {
        var c = CdcConfig.defaults(
                "i", "jdbc:postgresql://pg-a:5433,pg-b/wallet?targetServerType=primary&sslmode=require", "u", "");
        assertEquals(java.util.List.of(new CdcConfig.Host("pg-a", 5433), new CdcConfig.Host("pg-b", 5432)), c.hosts());
        assertEquals("pg-a", c.host());
        assertEquals("wallet", c.database());
        assertEquals("walletoutbox_wallet", c.slotName());
        assertEquals("?sslmode=require", c.singleHostQuery());
        assertEquals(
                "jdbc:postgresql://pg-b:5432/wallet?sslmode=require",
                c.hosts().get(1).jdbcUrl(c.database(), c.singleHostQuery()));
        assertEquals(
                "", CdcConfig.defaults("i", "jdbc:postgresql://h/db", "u", "").singleHostQuery());
    }

    @Test
    void topicsAreSkipUnlessSetToBlockAndThePolicySurvivesOtherChanges() {
        var c = CdcConfig.defaults("i", "jdbc:postgresql://localhost/wallet", "u", "");
        assertEquals(ParkingPolicy.SKIP, c.policyOf("wallet.events"));
        var blocking = c.withParkingPolicy("wallet.events", ParkingPolicy.BLOCK);
        assertEquals(ParkingPolicy.BLOCK, blocking.policyOf("wallet.events"));
        assertEquals(ParkingPolicy.SKIP, blocking.policyOf("other"));
        assertEquals(ParkingPolicy.SKIP, c.policyOf("wallet.events"), "the original is unchanged");
        assertEquals(ParkingPolicy.BLOCK, blocking.withSlot("s_2", "p").policyOf("wallet.events"));
        assertThrows(NullPointerException.class, () -> c.withParkingPolicy(null, ParkingPolicy.BLOCK));
        assertThrows(NullPointerException.class, () -> c.withParkingPolicy("t", null));
    }

    @Test
    void theDefaultSlotIsNamedAfterTheDatabase() {
        assertEquals(
                "walletoutbox_wallet",
                CdcConfig.defaults("i", "jdbc:postgresql://localhost/wallet", "u", "")
                        .slotName());
        assertEquals(
                "walletoutbox_wallet_eu_2",
                CdcConfig.defaults("i", "jdbc:postgresql://localhost/Wallet-EU.2?ssl=true", "u", "")
                        .slotName());
        assertEquals(63, CdcConfig.defaultSlotName("d".repeat(80)).length());
        assertEquals(
                "walletoutbox_outbox",
                CdcConfig.defaults("i", "jdbc:postgresql://localhost/wallet", "u", "")
                        .publicationName());
    }

    @Test
    void topicsAreNoneByDefaultAndKeptAcrossCopies() {
        var c = CdcConfig.defaults("i", "jdbc:postgresql://localhost/wallet", "u", "");
        assertEquals(java.util.Set.of(), c.topics());
        var t = c.withTopics("wallet.events");
        assertEquals(java.util.Set.of("wallet.events"), t.topics());
        assertEquals(
                t.topics(),
                t.withSlot("s_2", "p")
                        .withParkingPolicy("wallet.events", ParkingPolicy.BLOCK)
                        .topics());
        assertThrows(IllegalArgumentException.class, () -> c.withTopics("wallet events"));
    }
}
