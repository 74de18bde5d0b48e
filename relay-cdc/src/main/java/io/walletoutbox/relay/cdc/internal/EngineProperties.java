package io.walletoutbox.relay.cdc.internal;

import io.walletoutbox.relay.cdc.CdcConfig;
import java.util.Properties;

/** The Debezium engine's settings for one start of the engine, on the primary found for that start. */
final class EngineProperties {
    /** Prefix of the relay's heartbeat messages: read, confirmed, never published. */
    static final String HEARTBEAT_PREFIX = "walletoutbox.heartbeat";

    private EngineProperties() {}

    /** The engine's properties for {@code config}, reading the slot on {@code primary}. */
    static Properties of(CdcConfig config, PrimaryLocator.Primary primary) {
        var p = new Properties();
        p.setProperty("name", config.slotName());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", PostgresOffsetBackingStore.class.getName());
        p.setProperty(PostgresOffsetBackingStore.URL, config.jdbcUrl());
        p.setProperty(PostgresOffsetBackingStore.USER, config.user());
        p.setProperty(PostgresOffsetBackingStore.PASSWORD, config.password());
        p.setProperty(PostgresOffsetBackingStore.TABLE, config.offsetsTable());
        p.setProperty(PostgresOffsetBackingStore.ENGINE, config.slotName());
        // Offsets are committed after every batch (the relay only returns from a batch once Kafka acked it).
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("offset.flush.timeout.ms", "10000");
        p.setProperty("database.hostname", primary.host().host());
        p.setProperty("database.port", Integer.toString(primary.host().port()));
        p.setProperty("database.user", config.user());
        p.setProperty("database.password", config.password());
        p.setProperty("database.dbname", config.database());
        p.setProperty("topic.prefix", config.slotName());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", config.slotName());
        if (primary.serverVersion() >= 170000) {
            // CdcSlots.ensureSlot made the slot a failover slot already; this covers Debezium creating it again.
            p.setProperty("slot.failover", "true");
        }
        p.setProperty("publication.name", config.publicationName());
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("snapshot.mode", "no_data");
        // No table is captured: the outbox is made of logical decoding messages.
        p.setProperty("table.include.list", "public\\.walletoutbox_no_table");
        // This outbox's messages only: other outboxes of the database (OutboxTables) write with prefixes of their own.
        p.setProperty("message.prefix.include.list", config.tables().messagePrefix() + "," + HEARTBEAT_PREFIX);
        p.setProperty(
                "heartbeat.interval.ms",
                Long.toString(config.heartbeatInterval().toMillis()));
        p.setProperty(
                "heartbeat.action.query", "SELECT pg_logical_emit_message(false, '" + HEARTBEAT_PREFIX + "', '')");
        p.setProperty("max.batch.size", Integer.toString(config.maxBatchSize()));
        p.setProperty("max.queue.size", Integer.toString(config.maxBatchSize() * 4));
        p.setProperty("poll.interval.ms", Long.toString(config.pollInterval().toMillis()));
        p.setProperty("status.update.interval.ms", "1000");
        p.setProperty("converter.schemas.enable", "false");
        p.setProperty("key.converter.schemas.enable", "false");
        p.setProperty("value.converter.schemas.enable", "false");
        p.setProperty("errors.max.retries", "0");
        // While another instance (or a killed one's lingering WAL sender) holds the slot, try again every 2 s.
        p.setProperty("slot.retry.delay.ms", "2000");
        return p;
    }
}
