package io.walletoutbox.provider;

import io.walletoutbox.outbox.SchemaMigrations;
import java.util.Map;
import javax.sql.DataSource;

/** The provider module's tables (the reconciliation table), created and upgraded by versioned migrations. */
public final class ProviderSchema {
    private ProviderSchema() {}

    /**
     * Applies pending migrations (Flyway, history table {@code provider_schema_history}); safe to call from several
     * processes at once. The inbox lives in the outbox schema: migrate that too ({@code OutboxSchema.migrate}).
     */
    public static void migrate(DataSource dataSource) {
        SchemaMigrations.apply(dataSource, "provider", "classpath:io/walletoutbox/provider/db", Map.of());
    }
}
