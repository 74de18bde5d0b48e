package io.walletoutbox.outbox;

import javax.sql.DataSource;

/** The outbox's tables (outbox, parked events, shards, inbox), created and upgraded by versioned migrations. */
public final class OutboxSchema {
    private OutboxSchema() {}

    /**
     * Applies pending migrations of the outbox schema (Flyway, history table {@code outbox_schema_history});
     * safe to call from several processes at once. Needs Flyway (an optional dependency, see {@link
     * SchemaMigrations}).
     *
     * @throws IllegalStateException when Flyway is not on the class or module path (nothing is done)
     */
    public static void migrate(DataSource dataSource, OutboxConfig config) {
        SchemaMigrations.apply(
                dataSource,
                "outbox",
                "classpath:io/walletoutbox/outbox/db",
                java.util.Map.of("shards", Integer.toString(config.shards())));
    }
}
