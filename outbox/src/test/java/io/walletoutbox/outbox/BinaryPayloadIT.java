package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Payloads of any content type: bytes that are not textual go to {@code payload_bytes} with their content type, JSON
 * text stays in {@code payload} as before; parking, discarding and retrying keep both; the CDC path's logical message
 * carries the bytes in Base64 with the content type, and a JSON event's message is the one of before.
 */
class BinaryPayloadIT {
    private static final byte[] PROTOBUF = {0x0a, 0x03, 'o', '-', '1', 0x10, 0x00, (byte) 0xff};
    private static DataSource ds;

    @BeforeAll
    static void database() {
        ds = TestPools.pool(SharedInfrastructure.get().newDatabase("outbox_binary"), 2)
                .open();
        OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
        OutboxSchema.validate(ds, OutboxConfig.DEFAULTS);
    }

    @Test
    void bytesAndTheirTypeAreStoredParkedDiscardedAndRetriedUnchanged() throws SQLException {
        OutboxWriter writer = OutboxWriter.create(OutboxConfig.DEFAULTS, () -> {});
        var binary = OutboxEvent.of("Order", "o-1", "OrderPlaced", "shop.orders", PROTOBUF, "application/x-protobuf");
        var json = OutboxEvent.of("Order", "o-1", "OrderPlaced", "shop.orders", "{\"n\":1}");
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            writer.append(c, binary);
            writer.append(c, json);
            c.commit();
        }
        try (Connection c = ds.getConnection();
                PreparedStatement q = c.prepareStatement(
                        "SELECT payload, payload_bytes, content_type FROM outbox_event WHERE event_id = ?")) {
            q.setObject(1, binary.id());
            try (ResultSet rs = q.executeQuery()) {
                assertTrue(rs.next());
                assertNull(rs.getString(1));
                assertArrayEquals(PROTOBUF, rs.getBytes(2));
                assertEquals("application/x-protobuf", rs.getString(3));
            }
            q.setObject(1, json.id());
            try (ResultSet rs = q.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("{\"n\":1}", rs.getString(1), "JSON text stays readable in payload");
                assertNull(rs.getBytes(2));
                assertNull(rs.getString(3), "application/json is the column's NULL, as every row of before");
            }
        }

        // Park both the way a relay does, then look at them, retry one and discard the other.
        long binaryId = park(binary.id());
        long jsonId = park(json.id());
        OutboxAdmin admin = OutboxAdmin.create(ds);
        var parked = admin.listParked(10, 0);
        assertEquals(PROTOBUF.length, parked.get(0).payloadBytes());
        assertEquals(7, parked.get(1).payloadBytes());
        assertTrue(admin.retry(binaryId));
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT payload_bytes, content_type FROM outbox_event")) {
            assertTrue(rs.next());
            assertArrayEquals(PROTOBUF, rs.getBytes(1), "the retried event is the one parked");
            assertEquals("application/x-protobuf", rs.getString(2));
        }
        try (Connection c = ds.getConnection()) {
            var discarded = admin.discardEvent(c, jsonId).orElseThrow();
            assertEquals("{\"n\":1}", discarded.payloadText());
            assertEquals(OutboxEvent.JSON, discarded.contentType());
        }
    }

    @Test
    void theLogicalMessageCarriesBytesInBase64AndKeepsTheDocumentOfAJsonEvent() throws SQLException {
        String slot = "binary_payload_test";
        exec("SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
        try {
            OutboxWriter writer =
                    OutboxWriter.builder().mode(OutboxMode.LOGICAL_MESSAGE).build();
            var binary =
                    OutboxEvent.of("Order", "o-1", "OrderPlaced", "shop.orders", PROTOBUF, "application/x-protobuf");
            var json = OutboxEvent.of("Order", "o-1", "OrderPlaced", "shop.orders", "{\"n\":1}");
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                writer.append(c, binary);
                writer.append(c, json);
                c.commit();
            }
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT data FROM pg_logical_slot_get_changes('" + slot
                            + "', NULL, NULL) WHERE data LIKE 'message:%' ORDER BY lsn")) {
                assertTrue(rs.next());
                String first = rs.getString(1);
                assertTrue(first.contains("\"payload\" : null"), first);
                assertTrue(
                        first.contains(
                                "\"payloadBase64\" : \"" + Base64.getEncoder().encodeToString(PROTOBUF) + "\""),
                        first);
                assertTrue(first.contains("\"contentType\" : \"application/x-protobuf\""), first);
                assertTrue(rs.next());
                String second = rs.getString(1);
                assertTrue(second.contains("\"payload\" : \"{\\\"n\\\":1}\""), second);
                assertTrue(!second.contains("payloadBase64") && !second.contains("contentType"), second);
            }
        } finally {
            exec("SELECT pg_drop_replication_slot('" + slot + "')");
        }
    }

    private static long park(UUID eventId) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement s = c.prepareStatement("""
                        WITH moved AS (DELETE FROM outbox_event WHERE event_id = ? RETURNING *)
                        INSERT INTO outbox_parked (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                                   payload, payload_bytes, content_type, headers, created_at, attempts,
                                                   last_error)
                        SELECT id, event_id, shard, aggregate_type, aggregate_id, event_type, topic, payload,
                               payload_bytes, content_type, headers, created_at, 5, 'rejected' FROM moved
                        RETURNING id
                        """)) {
            s.setObject(1, eventId);
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next());
                return rs.getLong(1);
            }
        }
    }

    private static void exec(String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
