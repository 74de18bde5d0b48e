package io.walletoutbox.examples.orders;

import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.outbox.OutboxModes;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.outbox.OutboxTables;
import io.walletoutbox.outbox.SchemaMigrations;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The shop's database: everything of the shop, its own tables and the outbox's, lives in the schema {@value
 * #SCHEMA}, every table named with the shop's prefix {@code shop_}. The outbox's are named by {@link #OUTBOX}'s
 * {@link OutboxTables} ({@code shop.shop_outbox_event}, {@code shop.shop_inbox}, …), which the writer, the relay and
 * the test kit are given; the shop's own SQL names its tables unqualified, and the data source sets {@code
 * currentSchema=shop} for it.
 */
public final class ShopDatabase {
    /** The schema of the shop's tables, the outbox's included. */
    public static final String SCHEMA = "shop";

    /** The shop's outbox: 64 shards, tables in {@value #SCHEMA} with the prefix {@code shop_}. */
    public static final OutboxConfig OUTBOX = new OutboxConfig(64, OutboxTables.of(SCHEMA, "shop_"));

    private ShopDatabase() {}

    /**
     * A data source whose connections work in {@value #SCHEMA} ({@code currentSchema}). A plain one, a connection
     * per call: a service would put a pool in front (it needs as many connections as its relay has workers, plus
     * its own).
     *
     * @param jdbcUrl {@code jdbc:postgresql://host:port/database}
     */
    public static DataSource dataSource(String jdbcUrl, String user, String password) {
        var dataSource = new PGSimpleDataSource();
        dataSource.setUrl(jdbcUrl);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        dataSource.setCurrentSchema(SCHEMA);
        return dataSource;
    }

    /**
     * Prepares the database at start: creates the schema {@value #SCHEMA} when it is missing (the role needs the
     * {@code CREATE} right on the database; where an operator creates schemas, they create this one), applies the
     * outbox's migrations ({@code OutboxSchema.migrate} of {@code outbox}'s tables, history table {@code
     * shop.shop_outbox_schema_history}) and the shop's own ({@code shop_schema_history}), all in {@value #SCHEMA},
     * and claims {@link OutboxMode#TABLE} for the polling relay. Safe from several processes at once.
     *
     * @param dataSource connections in {@value #SCHEMA}, from {@link #dataSource}
     */
    public static void migrate(DataSource dataSource, OutboxConfig outbox) {
        createSchema(dataSource);
        OutboxSchema.migrate(dataSource, outbox);
        SchemaMigrations.apply(dataSource, "shop", "classpath:io/walletoutbox/examples/orders/db", Map.of());
        OutboxModes.claim(dataSource, outbox.tables(), OutboxMode.TABLE);
    }

    private static void createSchema(DataSource dataSource) {
        try (Connection c = dataSource.getConnection();
                var create = c.createStatement()) {
            // A constant name, not a caller's value.
            create.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
        } catch (SQLException e) {
            throw new OrdersException("creating schema " + SCHEMA + " failed", e);
        }
    }
}
