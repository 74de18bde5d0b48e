package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server-side {@code outbox_append} (migration V5) in {@link OutboxMode#LOGICAL_MESSAGE} emits exactly the
 * logical decoding message the Java writer emits for the same event: the CDC relay cannot tell a payment made in one
 * round trip from one made statement by statement. Both messages are read back from a {@code test_decoding} slot.
 */
class OutboxAppendFunctionIT {
    private static final String SLOT = "outbox_append_function_it";

    private HikariDataSource ds;
    private Jdbi jdbi;

    @BeforeEach
    void database() {
        var infra = SharedInfrastructure.get();
        ds = TestPools.pool(infra.newDatabase("outbox_append_function"), 2).open();
        OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
        jdbi = Jdbi.create(ds);
        jdbi.useHandle(h -> {
            h.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?", SLOT);
            h.execute("SELECT pg_create_logical_replication_slot(?, 'test_decoding')", SLOT);
        });
    }

    @AfterEach
    void close() {
        jdbi.useHandle(h -> h.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?", SLOT));
        ds.close();
    }

    @Test
    void outboxAppendEmitsTheJavaWritersMessageByteForByte() {
        // Text that JSON must escape, non-ASCII text, headers, and a time with nanoseconds PostgreSQL rounds.
        var event = new OutboxEvent(
                UUID.randomUUID(),
                "Wallet",
                UUID.randomUUID().toString(),
                "BillPaymentRequested",
                "wallet.events",
                "{\"note\":\"quote \\\" backslash \\\\ tab\\t é ✓ \\u2028\",\"amount\":1}",
                Map.of(
                        "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                        "x-note", "a \"quoted\" value, é"),
                Instant.parse("2025-03-01T12:34:56.123456789Z"));
        OutboxWriter writer = OutboxWriter.create(OutboxConfig.DEFAULTS, OutboxMode.LOGICAL_MESSAGE, () -> {});

        jdbi.useTransaction(h -> writer.append(h.getConnection(), event));
        ServerSideAppend append = writer.serverSide(event).orElseThrow();
        jdbi.useTransaction(h -> h.createQuery("""
                        SELECT outbox_append(:mode, :prefix, :eventId, :shard, :aggregateType, :aggregateId, :type,
                                             :topic, :payload, CAST(:headers AS jsonb), CAST(:createdAt AS timestamptz))
                        """)
                .bind("mode", append.mode().name())
                .bind("prefix", append.prefix())
                .bind("eventId", event.id())
                .bind("shard", append.shard())
                .bind("aggregateType", event.aggregateType())
                .bind("aggregateId", event.aggregateId())
                .bind("type", event.type())
                .bind("topic", event.topic())
                .bind("payload", event.payloadText())
                .bind("headers", append.headers())
                // as the wallet's one-round-trip call binds it
                .bind("createdAt", OffsetDateTime.ofInstant(event.createdAt(), ZoneOffset.UTC))
                .mapTo(String.class)
                .findOne());

        List<byte[]> messages = jdbi.withHandle(
                h -> h.createQuery("""
                        SELECT data FROM pg_logical_slot_get_binary_changes(:slot, NULL, NULL, 'include-xids', '0')
                        WHERE substring(data FROM 1 FOR 8) = convert_to('message:', 'UTF8')
                        """).bind("slot", SLOT).mapTo(byte[].class).list());
        assertEquals(2, messages.size(), "one message from each transaction");
        String fromWriter = new String(messages.get(0), StandardCharsets.UTF_8);
        assertTrue(
                fromWriter.contains("prefix: " + OutboxMode.MESSAGE_PREFIX)
                        && fromWriter.contains(event.id().toString())
                        && fromWriter.contains("é ✓")
                        && fromWriter.contains("\"createdAtMicros\" : 1740832496123457"),
                fromWriter);
        assertArrayEquals(
                messages.get(0),
                messages.get(1),
                () -> "the writer's message:\n" + fromWriter + "\noutbox_append's:\n"
                        + new String(messages.get(1), StandardCharsets.UTF_8));
    }
}
