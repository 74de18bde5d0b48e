package io.walletoutbox.relay.cdc.internal;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * Debezium's offsets in a PostgreSQL table, so they are as durable as the outbox itself: loaded at start, and
 * written (upserted, one transaction, synchronous commit) each time the engine commits offsets, which the relay
 * makes happen after every batch whose records Kafka acknowledged. Instantiated by Debezium by class name
 * ({@code offset.storage}); configured with the {@code offset.storage.walletoutbox.*} engine properties.
 */
public final class PostgresOffsetBackingStore extends MemoryOffsetBackingStore {
    static final String URL = "offset.storage.walletoutbox.url";
    static final String USER = "offset.storage.walletoutbox.user";
    static final String PASSWORD = "offset.storage.walletoutbox.password";
    static final String TABLE = "offset.storage.walletoutbox.table";
    static final String ENGINE = "offset.storage.walletoutbox.engine";

    private String url;
    private String user;
    private String password;
    private String table;
    private String engine;
    private Connection connection;

    public PostgresOffsetBackingStore() {}

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        Map<String, String> originals = config.originalsStrings();
        url = required(originals, URL);
        user = required(originals, USER);
        password = originals.getOrDefault(PASSWORD, "");
        table = required(originals, TABLE);
        engine = required(originals, ENGINE);
        // As CdcConfig validates it: an identifier, perhaps schema-qualified; it is written into the statements.
        if (!table.matches("([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalStateException("invalid offsets table name " + table);
        }
    }

    private static String required(Map<String, String> originals, String key) {
        String value = originals.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("missing " + key);
        }
        return value;
    }

    @Override
    public void start() {
        super.start();
        try (Connection c = connect()) {
            boolean exists;
            try (var q = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
                q.setString(1, table);
                try (var rs = q.executeQuery()) {
                    exists = rs.next() && rs.getBoolean(1);
                }
            }
            if (!exists) {
                // Only when absent: a database user without CREATE on the schema (a runtime role) finds it made by
                // the migrations (docs/operations.md, Database roles).
                try (var s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS " + table + " (engine text NOT NULL, key bytea NOT NULL,"
                            + " value bytea, updated_at timestamptz NOT NULL DEFAULT now(),"
                            + " PRIMARY KEY (engine, key))");
                }
            }
            var loaded = new HashMap<ByteBuffer, ByteBuffer>();
            try (var q = c.prepareStatement("SELECT key, value FROM " + table + " WHERE engine = ?")) {
                q.setString(1, engine);
                try (var rs = q.executeQuery()) {
                    while (rs.next()) {
                        byte[] value = rs.getBytes(2);
                        loaded.put(ByteBuffer.wrap(rs.getBytes(1)), value == null ? null : ByteBuffer.wrap(value));
                    }
                }
            }
            data.putAll(loaded);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot load offsets from " + table, e);
        }
    }

    /** Called by {@link MemoryOffsetBackingStore#set} on its executor after updating {@code data}. */
    @Override
    protected void save() {
        // Runs on the store's single executor thread, like every access to data.
        Map<ByteBuffer, ByteBuffer> snapshot = new HashMap<>(data);
        try {
            Connection c = connection();
            try (var upsert = c.prepareStatement("INSERT INTO " + table + " (engine, key, value) VALUES (?, ?, ?)"
                    + " ON CONFLICT (engine, key) DO UPDATE SET value = excluded.value, updated_at = now()")) {
                for (var e : snapshot.entrySet()) {
                    upsert.setString(1, engine);
                    upsert.setBytes(2, bytes(e.getKey()));
                    upsert.setBytes(3, e.getValue() == null ? null : bytes(e.getValue()));
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            closeConnection();
            throw new IllegalStateException("cannot store offsets in " + table, e);
        }
    }

    /** One connection for the saves (the engine saves after every batch), opened again after a failure. */
    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = connect();
            connection.setAutoCommit(false);
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing a broken connection; the next save opens a new one
            }
            connection = null;
        }
    }

    @Override
    public void stop() {
        super.stop(); // waits for the executor, so no save runs after this
        closeConnection();
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        var copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return Set.of();
    }
}
