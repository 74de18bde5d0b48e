package io.walletoutbox.provider;

import io.walletoutbox.provider.internal.ProviderMigrations;
import javax.sql.DataSource;

/** The provider module's tables (the reconciliation table), created and upgraded by versioned migrations. */
public final class ProviderSchema {
    private ProviderSchema() {}

    /**
     * Applies pending migrations (Flyway, history table {@code provider_schema_history}); safe to call from several
     * processes at once. The inbox lives in the outbox schema: migrate that too ({@code OutboxSchema.migrate}).
     */
    public static void migrate(DataSource dataSource) {
        ProviderMigrations.apply(dataSource);
    }
}
