package io.walletoutbox.examples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.testkit.OutboxTestKit;
import io.walletoutbox.outbox.testkit.SentRecord;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Everything of the shop, the outbox's tables included, is in the schema {@code shop} and named {@code shop_…};
 * nothing in {@code public}.
 */
class ShopSchemaIT {
    private static final Set<String> TABLES = Set.of(
            "shop_orders",
            "shop_schema_history",
            "shop_outbox_event",
            "shop_outbox_shard",
            "shop_outbox_parked",
            "shop_outbox_mode",
            "shop_inbox",
            "shop_outbox_schema_history");

    @Test
    void theShopsTablesAndTheOutboxsAreInSchemaShopAndNotInPublic() throws SQLException {
        DataSource dataSource = ShopTestDatabase.create();
        ShopDatabase.migrate(dataSource, ShopDatabase.OUTBOX); // again: nothing to do, no failure

        assertEquals(TABLES, Set.copyOf(tables(dataSource, "shop")), "in shop");
        assertEquals(List.of(), tables(dataSource, "public"));
        assertEquals(
                List.of("shop_inbox_mark_processed", "shop_outbox_append", "shop_outbox_event_reindex_if_empty"),
                functions(dataSource, "shop"));
        assertEquals(List.of(), functions(dataSource, "public"));
        // A start that only checks (the schema owned by the shop's own migrations) finds everything in place, and
        // one configured for the default tables is told in one message what it is missing.
        OutboxSchema.validate(dataSource, ShopDatabase.OUTBOX);
        var defaults = assertThrows(
                OutboxException.SchemaMismatchException.class,
                () -> OutboxSchema.validate(dataSource, OutboxConfig.DEFAULTS));
        assertTrue(defaults.getMessage().contains("table outbox_event is missing"), defaults.getMessage());

        // And the relay reads from there: an order placed through the shop's data source is published.
        var orders = new Orders(dataSource, OutboxWriter.create(ShopDatabase.OUTBOX, () -> {}));
        try (var kit = OutboxTestKit.builder(dataSource)
                .relayConfig(OrdersRelay.config("orders-schema-it"))
                .build()) {
            var placed = orders.place("order-in-shop", "carol", 4200);
            List<SentRecord> sent = kit.drain();
            assertEquals(List.of(placed), sent.stream().map(SentRecord::eventId).toList());
            kit.assertNoParked();
        }
        // The relay's reindex function (SECURITY DEFINER, its search path fixed at migration) works in shop too.
        try (var c = dataSource.getConnection();
                var reindex = c.prepareStatement("SELECT shop.shop_outbox_event_reindex_if_empty(100)")) {
            var result = reindex.executeQuery();
            assertTrue(result.next() && result.getBoolean(1), "the drained shop.shop_outbox_event is empty");
        }
    }

    private static List<String> tables(DataSource dataSource, String schema) throws SQLException {
        return names(dataSource, """
                SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name
                """, schema);
    }

    private static List<String> functions(DataSource dataSource, String schema) throws SQLException {
        return names(dataSource, """
                SELECT DISTINCT routine_name FROM information_schema.routines WHERE routine_schema = ?
                ORDER BY routine_name
                """, schema);
    }

    private static List<String> names(DataSource dataSource, String sql, String schema) throws SQLException {
        try (var c = dataSource.getConnection();
                var query = c.prepareStatement(sql)) {
            query.setString(1, schema);
            var rows = query.executeQuery();
            var names = new ArrayList<String>();
            while (rows.next()) {
                names.add(rows.getString(1));
            }
            return names;
        }
    }
}
